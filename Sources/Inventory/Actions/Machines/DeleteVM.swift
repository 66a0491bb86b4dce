/// `virtlab vm delete`; `D` in the Machines pane (after typing the name). Volumes outside any storage pool are
/// kept and named, never guessed at.
public struct DeleteVM: MachineOperation {
    public static let rule = ActionRule<MachineState>(
        "delete", done: "deleted", warning: "This removes the VM's definition and its snapshots.",
        same: CommandTemplate("virsh undefine", .slot(.name), .fixed("--snapshots-metadata"),
                              .when(.removeStorage, [.fixed("--remove-all-storage")])))

    public let removeStorage: Bool

    public var verb: String { removeStorage ? "delete (with its storage)" : "delete" }
    public var values: CommandTemplate.Values { CommandTemplate.Values(on: removeStorage ? [.removeStorage] : []) }
    public var changesStorage: Bool { true }

    public func perform(on vm: any MachineControl) throws -> String? {
        let result = try vm.undefine(removeStorage: removeStorage)
        var line = "deleted \(vm.name)"
        if !result.removed.isEmpty { line += " and " + result.removed.joined(separator: ", ") }
        if !result.keptOutsidePools.isEmpty {
            line += "; kept \(result.keptOutsidePools.joined(separator: ", ")) (not in a storage pool; delete it by hand)"
        }
        return line
    }
}

extension MachineAction {
    public static func delete(removeStorage: Bool) -> MachineAction { MachineAction(DeleteVM(removeStorage: removeStorage)) }
}
