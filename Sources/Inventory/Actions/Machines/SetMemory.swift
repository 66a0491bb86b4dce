/// `virtlab vm set --memory`; the hardware dialog (`e`) in the Machines pane.
public struct SetMemory: MachineOperation {
    public static let rule = ActionRule<MachineState>(
        "set the memory of", done: "set the memory of",
        same: CommandTemplate("virsh setmem", .slot(.name), .slot(.mebibytes, suffix: "M"), .fixed("--config"),
                              .when(.live, [.fixed("--live")])))

    public let mebibytes: Int
    public let live: Bool

    public var verb: String { "set the memory to \(mebibytes) MiB of" }
    public var values: CommandTemplate.Values { CommandTemplate.Values([.mebibytes: "\(mebibytes)"], on: live ? [.live] : []) }

    public func perform(on vm: any MachineControl) throws -> String? {
        "set the memory of \(vm.name) to \(mebibytes) MiB, \(try vm.setMemory(mebibytes: mebibytes))"
    }
}

extension MachineAction {
    public static func setMemory(mebibytes: Int, live: Bool) -> MachineAction {
        MachineAction(SetMemory(mebibytes: mebibytes, live: live))
    }
}
