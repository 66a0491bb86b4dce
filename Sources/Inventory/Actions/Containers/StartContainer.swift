/// `virtlab ct start`; `u` in the Containers pane.
public struct StartContainer: ContainerOperation, PlainAction {
    public static let rule = ActionRule<ContainerRunState>(
        "start", done: "started", from: [.created, .exited, .dead], same: CommandTemplate("podman start", .slot(.name)),
        commandLine: CommandLineHelp("start", "Start a container."))

    public init() {}

    public func perform(on container: any ContainerControl) async throws { try await container.start() }
}

extension ContainerAction {
    public static let start = ContainerAction(StartContainer())
}
