/// `virtlab vm resume`; `p` on a paused VM in the Machines pane.
public struct ResumeVM: MachineOperation, PlainAction {
    public static let rule = ActionRule<MachineState>(
        "resume", done: "resumed", from: [.paused], hint: "only a paused VM resumes",
        same: CommandTemplate("virsh resume", .slot(.name)), commandLine: CommandLineHelp("resume", "Resume paused VMs."))

    public init() {}

    public func perform(on vm: any MachineControl) throws -> String? {
        try vm.resume()
        return nil
    }
}

extension MachineAction {
    public static let resume = MachineAction(ResumeVM())
}
