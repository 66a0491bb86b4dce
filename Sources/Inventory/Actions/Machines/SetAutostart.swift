/// `virtlab vm autostart`; `a` in the Machines pane.
public struct SetAutostart: MachineOperation {
    public static let rule = ActionRule<MachineState>(
        "change autostart of", done: "changed autostart of",
        same: CommandTemplate("virsh autostart", .slot(.name), .when(.disable, [.fixed("--disable")])),
        commandLine: CommandLineHelp("autostart", "Start VMs when the host boots (or stop doing so)."))

    public let on: Bool

    public var verb: String { "turn autostart \(on ? "on" : "off") for" }
    public var values: CommandTemplate.Values { CommandTemplate.Values(on: on ? [] : [.disable]) }

    public func perform(on vm: any MachineControl) throws -> String? {
        try vm.setAutostart(on)
        return "autostart \(on ? "on" : "off") for \(vm.name)"
    }
}

extension MachineAction {
    public static func setAutostart(_ on: Bool) -> MachineAction { MachineAction(SetAutostart(on: on)) }
}
