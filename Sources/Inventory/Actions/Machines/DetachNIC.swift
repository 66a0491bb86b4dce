/// `virtlab vm nic detach`; the hardware dialog (`e`) in the Machines pane.
public struct DetachNIC: MachineOperation {
    public static let rule = ActionRule<MachineState>(
        "detach a NIC from", done: "detached a NIC from", warning: "The guest loses that network link at once.",
        same: CommandTemplate("virsh detach-interface", .slot(.name), .fixed("network"), .fixed("--mac"), .slot(.mac),
                              .fixed("--persistent")))

    public let mac: String

    public var verb: String { "detach NIC \(mac) from" }
    public var values: CommandTemplate.Values { CommandTemplate.Values([.mac: mac]) }

    public func perform(on vm: any MachineControl) throws -> String? {
        try vm.detachNIC(mac: mac)
        return "detached NIC \(mac) from \(vm.name)"
    }
}

extension MachineAction {
    public static func detachNIC(mac: String) -> MachineAction { MachineAction(DetachNIC(mac: mac)) }
}
