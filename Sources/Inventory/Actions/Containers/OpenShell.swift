/// `virtlab ct exec -t NAME sh`; `c` in the Containers pane. Only its rule is here: the terminal is handed to the
/// shell relay (the Engine service), which no status line can stand for.
public struct OpenShell: TableAction {
    public static let rule = ActionRule<ContainerRunState>(
        "open a shell in", done: "left the shell in", from: [.running], hint: "start it first",
        same: CommandTemplate("podman exec -it", .slot(.name), .fixed("sh")))
}
