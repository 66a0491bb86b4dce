/// `virtlab ct stop`; `d` in the Containers pane. Its main process gets SIGTERM, then SIGKILL after the grace time.
public struct StopContainer: ContainerOperation {
    public static let rule = ActionRule<ContainerRunState>(
        "stop", done: "stopped", from: [.running, .paused, .restarting],
        warning: "Its main process gets SIGTERM, then SIGKILL after 10 seconds.",
        same: CommandTemplate("podman stop", .when(.grace, [.fixed("--time"), .slot(.seconds)]), .slot(.name)),
        commandLine: CommandLineHelp("stop", "Stop a container (its main process gets SIGTERM, then SIGKILL after --time seconds)."))

    public let graceSeconds: Int

    public init(graceSeconds: Int = 10) { self.graceSeconds = graceSeconds }

    public var values: CommandTemplate.Values { Self.values(grace: graceSeconds) }

    /// podman's own default grace is 10 seconds, so only another one is spelled out (restart's too).
    static func values(grace seconds: Int) -> CommandTemplate.Values {
        CommandTemplate.Values([.seconds: "\(seconds)"], on: seconds == 10 ? [] : [.grace])
    }

    public func perform(on container: any ContainerControl) async throws { try await container.stop(graceSeconds: graceSeconds) }
}

extension ContainerAction {
    public static let stop = ContainerAction(StopContainer())
}
