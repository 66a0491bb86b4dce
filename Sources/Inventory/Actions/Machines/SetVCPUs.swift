/// `virtlab vm set --vcpus`; the hardware dialog (`e`) in the Machines pane. `live`: the VM runs, so the running
/// guest changes too where the hypervisor allows.
public struct SetVCPUs: MachineOperation {
    public static let rule = ActionRule<MachineState>(
        "set the vCPUs of", done: "set the vCPUs of",
        same: CommandTemplate("virsh setvcpus", .slot(.name), .slot(.count), .fixed("--config"), .when(.live, [.fixed("--live")])))

    public let count: Int
    public let live: Bool

    public var verb: String { "set the vCPUs to \(count) of" }
    public var values: CommandTemplate.Values { CommandTemplate.Values([.count: "\(count)"], on: live ? [.live] : []) }

    public func perform(on vm: any MachineControl) throws -> String? {
        "set the vCPUs of \(vm.name) to \(count), \(try vm.setVCPUs(count))"
    }
}

extension MachineAction {
    public static func setVCPUs(_ count: Int, live: Bool) -> MachineAction { MachineAction(SetVCPUs(count: count, live: live)) }
}
