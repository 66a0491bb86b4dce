/// One libvirt network, as a network action sees it: the port the services implement.
public protocol NetworkControl {
    var name: String { get }
    func state() throws -> NetworkState
    func start() throws
    func stop() throws
    func setAutostart(_ on: Bool) throws
    /// Refused while VMs other than `confirmedUsers` have a NIC on it, unless `evenIfInUse`.
    func delete(evenIfInUse: Bool, confirmedUsers: [String]) throws
}

/// A network action: one file each under `Networks/`, listed once in `NetworkAction.table`.
public protocol NetworkOperation: TableAction where State == NetworkState {
    /// Does it (the state was checked); returns what the user is told, or nil for the rule's "done" words.
    func perform(on network: any NetworkControl) throws -> String?
}

/// A network action as the dashboard and `virtlab net` pass it around: any one of the table's, with its values.
public struct NetworkAction: Sendable, Equatable {
    public let operation: any NetworkOperation

    public init(_ operation: any NetworkOperation) { self.operation = operation }

    /// Every network action, once. A new action is a file under `Networks/` and a line here.
    public static let table: [any NetworkOperation.Type] = [StartNetwork.self, StopNetwork.self, NetworkAutostart.self, DeleteNetwork.self]

    public var rule: ActionRule<NetworkState> { type(of: operation).rule }
    public var verb: String { operation.verb }
    public var warning: String? { operation.warning }

    public func command(for name: String, uri: String? = nil) -> String { operation.command(for: name, uri: uri) }

    /// Checks the table allows it in the network's state (else `ActionRefused`), does it, and says what happened.
    public func perform(on network: any NetworkControl) throws -> String {
        if let why = rule.refusal(network.name, try network.state()) { throw ActionRefused(why) }
        return try operation.perform(on: network) ?? "\(rule.done) \(network.name)"
    }

    public static func == (lhs: NetworkAction, rhs: NetworkAction) -> Bool { lhs.operation.isSame(as: rhs.operation) }
}
