/// `virtlab vm snapshot revert`; the snapshot tree's Enter in the Machines pane.
public struct RevertSnapshot: MachineOperation {
    public static let rule = ActionRule<MachineState>(
        "revert", done: "reverted", warning: "Everything since that snapshot is lost.",
        same: CommandTemplate("virsh snapshot-revert", .slot(.name), .slot(.snapshot)),
        commandLine: CommandLineHelp(
            "revert", "Return each VM to its snapshot of this name.",
            discussion: "A VM without a snapshot of that name fails on its own line; the others still revert. External "
                + "snapshots are refused with what to do instead."))

    public let snapshot: String

    public var verb: String { "revert to snapshot '\(snapshot)'" }
    public var values: CommandTemplate.Values { CommandTemplate.Values([.snapshot: snapshot]) }

    public func perform(on vm: any MachineControl) throws -> String? {
        try vm.revert(toSnapshot: snapshot)
        return "reverted \(vm.name) to \(snapshot)"
    }
}

extension MachineAction {
    public static func revertSnapshot(_ snapshot: String) -> MachineAction { MachineAction(RevertSnapshot(snapshot: snapshot)) }
}
