/// `virtlab net delete`; `D` in the Networks pane. A network VMs use is deleted only when the confirmation named
/// every one of them (`inUseBy`, the dashboard) or with `force` (`--force`).
public struct DeleteNetwork: NetworkOperation {
    public static let rule = ActionRule<NetworkState>(
        "delete network", done: "deleted network",
        warning: "The network is stopped and its definition removed; VMs with a NIC on it are refused.",
        same: CommandTemplate("virsh net-destroy", .slot(.name), .fixed("&&"), .fixed("virsh"), .fixed("net-undefine"), .slot(.name)),
        commandLine: CommandLineHelp("delete", "Stop and remove a network.",
                                     discussion: "Destructive: pass --yes to confirm. A network VMs use is refused unless --force."))

    public let inUseBy: [String]
    public let force: Bool

    public var warning: String? {
        inUseBy.isEmpty ? Self.rule.warning : "In use by \(inUseBy.joined(separator: ", ")): their NICs lose their network."
    }

    public func perform(on network: any NetworkControl) throws -> String? {
        try network.delete(evenIfInUse: force, confirmedUsers: inUseBy)
        return nil
    }
}

extension NetworkAction {
    /// Carries the VMs the confirmation named: the network is deleted only if no others use it by then.
    public static func delete(inUseBy users: [String], force: Bool = false) -> NetworkAction {
        NetworkAction(DeleteNetwork(inUseBy: users, force: force))
    }
}
