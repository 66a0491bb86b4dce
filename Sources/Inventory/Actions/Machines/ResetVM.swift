/// `virtlab vm reset`: the reset button. Unlike reboot the guest is not asked; unlike destroy it starts again.
public struct ResetVM: MachineOperation, PlainAction {
    public static let rule = ActionRule<MachineState>(
        "reset", done: "reset", from: [.running, .blocked, .paused], hint: "only a running VM can be reset",
        warning: "Like pressing the reset button: the guest restarts at once and unsaved work inside it is lost.",
        same: CommandTemplate("virsh reset", .slot(.name)),
        commandLine: CommandLineHelp("reset", "Reset VMs at once, like pressing the reset button."))

    public init() {}

    public func perform(on vm: any MachineControl) throws -> String? {
        try vm.reset()
        return nil
    }
}

extension MachineAction {
    public static let reset = MachineAction(ResetVM())
}
