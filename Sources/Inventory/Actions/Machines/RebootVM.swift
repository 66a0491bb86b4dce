/// `virtlab vm reboot`; `r` in the Machines pane.
public struct RebootVM: MachineOperation, PlainAction {
    public static let rule = ActionRule<MachineState>(
        "reboot", done: "asked to reboot", from: MachineState.live,
        warning: "The guest reboots; unsaved work inside it may be lost.", same: CommandTemplate("virsh reboot", .slot(.name)),
        commandLine: CommandLineHelp("reboot", "Ask VMs' guests to reboot."))

    public init() {}

    public func perform(on vm: any MachineControl) throws -> String? {
        try vm.reboot()
        return nil
    }
}

extension MachineAction {
    public static let reboot = MachineAction(RebootVM())
}
