/// `virtlab vm start`; `u` in the Machines pane.
public struct StartVM: MachineOperation, PlainAction {
    public static let rule = ActionRule<MachineState>(
        "start", done: "started", from: [.shutOff, .crashed], same: CommandTemplate("virsh start", .slot(.name)),
        commandLine: CommandLineHelp("start", "Start VMs."))

    public init() {}

    public func perform(on vm: any MachineControl) throws -> String? {
        try vm.start()
        return nil
    }
}

extension MachineAction {
    public static let start = MachineAction(StartVM())
}
