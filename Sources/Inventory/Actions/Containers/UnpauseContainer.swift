/// `virtlab ct unpause`; `p` on a paused container in the Containers pane.
public struct UnpauseContainer: ContainerOperation, PlainAction {
    public static let rule = ActionRule<ContainerRunState>(
        "unpause", done: "unpaused", from: [.paused], hint: "only a paused container unpauses",
        same: CommandTemplate("podman unpause", .slot(.name)), commandLine: CommandLineHelp("unpause", "Thaw a paused container."))

    public init() {}

    public func perform(on container: any ContainerControl) async throws { try await container.unpause() }
}

extension ContainerAction {
    public static let unpause = ContainerAction(UnpauseContainer())
}
