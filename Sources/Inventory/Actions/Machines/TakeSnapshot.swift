/// `virtlab vm snapshot create`; `n` in the Machines pane (of every marked VM).
public struct TakeSnapshot: MachineOperation {
    public static let rule = ActionRule<MachineState>(
        "snapshot", done: "snapshot taken of",
        same: CommandTemplate("virsh snapshot-create-as", .slot(.name), .slot(.snapshot),
                              .when(.description, [.fixed("--description"), .slot(.text)])),
        commandLine: CommandLineHelp("create", "Take a snapshot of each VM, under one name.",
                                     discussion: "An internal snapshot (in the qcow2 itself); of a running VM, its memory too."))

    public let snapshot: String
    public let description: String?

    public var verb: String { "snapshot as '\(snapshot)'" }
    public var values: CommandTemplate.Values {
        CommandTemplate.Values([.snapshot: snapshot, .text: description ?? ""], on: description == nil ? [] : [.description])
    }

    public func perform(on vm: any MachineControl) throws -> String? {
        let state = try vm.createSnapshot(snapshot, description: description)
        return "created snapshot \(snapshot) of \(vm.name) (\(state))"
    }
}

extension MachineAction {
    public static func createSnapshot(_ snapshot: String, description: String? = nil) -> MachineAction {
        MachineAction(TakeSnapshot(snapshot: snapshot, description: description))
    }
}
