/// `virtlab vm hostdev attach`; the hardware dialog (`e`) in the Machines pane: a host's PCI or USB device given to
/// the VM (managed passthrough), where the host's IOMMU and the device's group allow it.
public struct AttachHostDevice: MachineOperation {
    public static let rule = ActionRule<MachineState>(
        "give a host device to", done: "gave a host device to",
        warning: "The host stops using the device while the VM has it.",
        same: CommandTemplate("virsh attach-device", .slot(.name), .glued([.fixed("hostdev-"), .slot(.device), .fixed(".xml")]),
                              .fixed("--persistent")))

    /// The device as `virtlab host devices` lists it: a PCI address or a USB bus:device.
    public let device: String

    public var verb: String { "give host device \(device) to" }
    public var values: CommandTemplate.Values { CommandTemplate.Values([.device: device]) }

    public func perform(on vm: any MachineControl) throws -> String? { try vm.attachHostDevice(device) }
}

extension MachineAction {
    public static func attachHostDevice(_ device: String) -> MachineAction { MachineAction(AttachHostDevice(device: device)) }
}
