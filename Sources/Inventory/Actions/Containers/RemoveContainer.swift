/// `virtlab ct rm`; `D` in the Containers pane. `force`: a running one is stopped first (the pane's confirmation
/// says so; the command line asks for `--force`).
public struct RemoveContainer: ContainerOperation {
    public static let rule = ActionRule<ContainerRunState>(
        "remove", done: "removed", warning: "The container and every file changed inside it are deleted.",
        same: CommandTemplate("podman rm", .when(.force, [.fixed("-f")]), .slot(.name)),
        commandLine: CommandLineHelp("rm", "Remove a container and its writable layer.",
                                     discussion: "Destructive: pass --yes to confirm. Files changed inside the container are lost."))

    public let force: Bool

    public init(force: Bool) { self.force = force }

    public var values: CommandTemplate.Values { CommandTemplate.Values(on: force ? [.force] : []) }

    public func perform(on container: any ContainerControl) async throws { try await container.remove(force: force) }
}

extension ContainerAction {
    /// As the dashboard removes: running or not.
    public static let remove = ContainerAction(RemoveContainer(force: true))
}
