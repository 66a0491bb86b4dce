/// One container, as a container action sees it: the port the services implement over the Engine API.
public protocol ContainerControl {
    /// As the user named it (a name or an id).
    var name: String { get }
    /// Nil when the engine has no such container: the action goes ahead and the engine's own error says so.
    func state() async throws -> ContainerRunState?
    func start() async throws
    func stop(graceSeconds: Int) async throws
    func restart(graceSeconds: Int) async throws
    func pause() async throws
    func unpause() async throws
    func remove(force: Bool) async throws
}

/// A container action: one file each under `Containers/`, listed once in `ContainerAction.table`.
public protocol ContainerOperation: TableAction where State == ContainerRunState {
    /// Does it (the state was checked).
    func perform(on container: any ContainerControl) async throws
}

/// A container action as the dashboard and `virtlab ct` pass it around: any one of the table's, with its values.
public struct ContainerAction: Sendable, Equatable {
    public let operation: any ContainerOperation

    public init(_ operation: any ContainerOperation) { self.operation = operation }

    /// Every container action, once. A new action is a file under `Containers/` and a line here.
    public static let table: [any ContainerOperation.Type] = [
        StartContainer.self, StopContainer.self, RestartContainer.self, PauseContainer.self, UnpauseContainer.self,
        RemoveContainer.self,
    ]

    public var rule: ActionRule<ContainerRunState> { type(of: operation).rule }
    public var verb: String { operation.verb }
    public var warning: String? { operation.warning }

    public func command(for name: String) -> String { operation.command(for: name) }

    /// Checks the table allows it in the container's state (else `ActionRefused`), does it, and says so.
    public func perform(on container: any ContainerControl) async throws -> String {
        if let state = try await container.state(), let why = rule.refusal(container.name, state) { throw ActionRefused(why) }
        try await operation.perform(on: container)
        return "\(container.name): \(rule.done)"
    }

    public static func == (lhs: ContainerAction, rhs: ContainerAction) -> Bool { lhs.operation.isSame(as: rhs.operation) }
}
