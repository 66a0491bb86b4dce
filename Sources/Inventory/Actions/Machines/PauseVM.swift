/// `virtlab vm suspend` (virsh's word); `p` on a running VM in the Machines pane.
public struct PauseVM: MachineOperation, PlainAction {
    public static let rule = ActionRule<MachineState>(
        "pause", done: "paused", from: [.running, .blocked], hint: "only a running VM can pause",
        same: CommandTemplate("virsh suspend", .slot(.name)), commandLine: CommandLineHelp("suspend", "Pause running VMs."))

    public init() {}

    public func perform(on vm: any MachineControl) throws -> String? {
        try vm.pause()
        return nil
    }
}

extension MachineAction {
    public static let pause = MachineAction(PauseVM())
}
