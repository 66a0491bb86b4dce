/// `virtlab ct logs`; `l` in the Containers pane. Only its rule is here: it changes nothing, so it is read, not done.
public struct ReadLogs: TableAction {
    public static let rule = ActionRule<ContainerRunState>(
        "read the logs of", done: "read the logs of", same: CommandTemplate("podman logs", .slot(.name)))
}
