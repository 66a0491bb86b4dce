/// `virtlab vm hostdev detach`; the hardware dialog (`e`) in the Machines pane: the device goes back to the host.
public struct DetachHostDevice: MachineOperation {
    public static let rule = ActionRule<MachineState>(
        "take a host device from", done: "took a host device from", warning: "The guest loses the device at once.",
        same: CommandTemplate("virsh detach-device", .slot(.name), .glued([.fixed("hostdev-"), .slot(.device), .fixed(".xml")]),
                              .fixed("--persistent")))

    public let device: String

    public var verb: String { "take host device \(device) from" }
    public var values: CommandTemplate.Values { CommandTemplate.Values([.device: device]) }

    public func perform(on vm: any MachineControl) throws -> String? { try vm.detachHostDevice(device) }
}

extension MachineAction {
    public static func detachHostDevice(_ device: String) -> MachineAction { MachineAction(DetachHostDevice(device: device)) }
}
