/// `virtlab vm nic attach`; the hardware dialog (`e`) in the Machines pane: a virtio NIC on a libvirt network.
public struct AttachNIC: MachineOperation {
    public static let rule = ActionRule<MachineState>(
        "attach a NIC to", done: "attached a NIC to",
        same: CommandTemplate("virsh attach-interface", .slot(.name), .fixed("network"), .slot(.network),
                              .fixed("--model"), .fixed("virtio"), .fixed("--persistent")))

    public let network: String

    public var verb: String { "attach a NIC on \(network) to" }
    public var values: CommandTemplate.Values { CommandTemplate.Values([.network: network]) }

    public func perform(on vm: any MachineControl) throws -> String? {
        "attached a virtio NIC \(try vm.attachNIC(network: network)) on network \(network) to \(vm.name)"
    }
}

extension MachineAction {
    public static func attachNIC(network: String) -> MachineAction { MachineAction(AttachNIC(network: network)) }
}
