/// `virtlab vm shutdown`; `d` in the Machines pane. The guest decides: ACPI asks it.
public struct ShutdownVM: MachineOperation, PlainAction {
    public static let rule = ActionRule<MachineState>(
        "shut down", done: "asked to shut down", from: MachineState.live,
        warning: "The guest is asked to shut down; unsaved work inside it may be lost.",
        same: CommandTemplate("virsh shutdown", .slot(.name)),
        commandLine: CommandLineHelp("shutdown", "Ask VMs' guests to shut down (ACPI)."))

    public init() {}

    public func perform(on vm: any MachineControl) throws -> String? {
        try vm.shutdown()
        return nil
    }
}

extension MachineAction {
    public static let shutdown = MachineAction(ShutdownVM())
}
