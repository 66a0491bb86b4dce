/// `virtlab ct pause`; `p` on a running container in the Containers pane: every process is frozen (cgroup freezer).
public struct PauseContainer: ContainerOperation, PlainAction {
    public static let rule = ActionRule<ContainerRunState>(
        "pause", done: "paused", from: [.running], hint: "only a running container can pause",
        same: CommandTemplate("podman pause", .slot(.name)), commandLine: CommandLineHelp("pause", "Freeze every process of a container."))

    public init() {}

    public func perform(on container: any ContainerControl) async throws { try await container.pause() }
}

extension ContainerAction {
    public static let pause = ContainerAction(PauseContainer())
}
