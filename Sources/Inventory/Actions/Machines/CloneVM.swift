/// `virtlab vm clone`; `C` in the Machines pane. `sanitize` gives the clone a new identity (machine-id, SSH host
/// keys), as virt-sysprep does.
public struct CloneVM: MachineOperation {
    public static let rule = ActionRule<MachineState>(
        "clone", done: "cloned", from: [.shutOff], hint: "shut it down first",
        same: CommandTemplate("virt-clone --original", .slot(.name), .fixed("--name"), .slot(.newName), .fixed("--auto-clone"),
                              .when(.sanitize, [.fixed("&&"), .fixed("virt-sysprep"), .fixed("-d"), .slot(.newName)])))

    public let newName: String
    public let sanitize: Bool

    public var verb: String { "clone as '\(newName)'\(sanitize ? " (sanitized)" : "")" }
    public var values: CommandTemplate.Values { CommandTemplate.Values([.newName: newName], on: sanitize ? [.sanitize] : []) }
    public var changesStorage: Bool { true }

    public func perform(on vm: any MachineControl) throws -> String? {
        let made = try vm.clone(as: newName, sanitize: sanitize)
        return "cloned \(vm.name) as \(made)\(sanitize ? " with a new identity" : "")"
    }
}

extension MachineAction {
    public static func clone(as newName: String, sanitize: Bool) -> MachineAction {
        MachineAction(CloneVM(newName: newName, sanitize: sanitize))
    }
}
