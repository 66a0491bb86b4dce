/// `virtlab vm destroy` (virsh's word); `F` in the Machines pane.
public struct ForceOffVM: MachineOperation, PlainAction {
    public static let rule = ActionRule<MachineState>(
        "force off", done: "forced off", from: MachineState.live,
        warning: "Like pulling the plug: the guest gets no chance to save anything.",
        same: CommandTemplate("virsh destroy", .slot(.name)),
        commandLine: CommandLineHelp("destroy", "Force VMs off at once (like pulling the plug)."))

    public init() {}

    public func perform(on vm: any MachineControl) throws -> String? {
        try vm.forceOff()
        return nil
    }
}

extension MachineAction {
    public static let forceOff = MachineAction(ForceOffVM())
}
