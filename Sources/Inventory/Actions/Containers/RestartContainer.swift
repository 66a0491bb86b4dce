/// `virtlab ct restart`; `r` in the Containers pane.
public struct RestartContainer: ContainerOperation {
    public static let rule = ActionRule<ContainerRunState>(
        "restart", done: "restarted", warning: "Its processes are stopped and started again.",
        same: CommandTemplate("podman restart", .when(.grace, [.fixed("--time"), .slot(.seconds)]), .slot(.name)),
        commandLine: CommandLineHelp("restart", "Restart a container."))

    public let graceSeconds: Int

    public init(graceSeconds: Int = 10) { self.graceSeconds = graceSeconds }

    public var values: CommandTemplate.Values { StopContainer.values(grace: graceSeconds) }

    public func perform(on container: any ContainerControl) async throws { try await container.restart(graceSeconds: graceSeconds) }
}

extension ContainerAction {
    public static let restart = ContainerAction(RestartContainer())
}
