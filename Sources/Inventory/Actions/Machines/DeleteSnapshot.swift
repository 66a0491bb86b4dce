/// `virtlab vm snapshot delete`; the snapshot tree's `D` in the Machines pane.
public struct DeleteSnapshot: MachineOperation {
    public static let rule = ActionRule<MachineState>(
        "delete a snapshot of", done: "deleted a snapshot of",
        warning: "The snapshot is gone for good; its children, if any, hang from its parent instead.",
        same: CommandTemplate("virsh snapshot-delete", .slot(.name), .slot(.snapshot)),
        commandLine: CommandLineHelp("delete", "Delete a snapshot (the VM stays as it is).",
                                     discussion: "Its children, if any, are kept and hang from its parent; virtlab says which."))

    public let snapshot: String

    public var verb: String { "delete snapshot '\(snapshot)' of" }
    public var values: CommandTemplate.Values { CommandTemplate.Values([.snapshot: snapshot]) }

    public func perform(on vm: any MachineControl) throws -> String? {
        let children = try vm.deleteSnapshot(snapshot)
        return "deleted snapshot \(snapshot) of \(vm.name). \(children)"
    }
}

extension MachineAction {
    public static func deleteSnapshot(_ snapshot: String) -> MachineAction { MachineAction(DeleteSnapshot(snapshot: snapshot)) }
}
