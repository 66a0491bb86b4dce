/// `virtlab vm console`; `c` in the Machines pane. Only its rule is here: the terminal is handed to the console
/// relay (the Machines service), which no status line can stand for.
public struct OpenConsole: TableAction {
    public static let rule = ActionRule<MachineState>(
        "open the console of", done: "left the console of", from: MachineState.live, hint: "start it first",
        same: CommandTemplate("virsh console", .slot(.name)))
}
