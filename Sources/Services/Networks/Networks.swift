import Inventory
import VirtKit

public typealias VirtualNetwork = VirtKit.VirtualNetwork
public typealias NetworkLease = VirtKit.NetworkLease
public typealias NetworkSpec = VirtKit.NetworkSpec
public typealias NetworkInUse = VirtKit.NetworkInUse
/// What is wrong with a network the user described (`NetworkSpec.parse`).
public typealias NetworkRefusal = VirtKit.Refusal

/// Virtual networks: `virtlab net …` and the Networks pane.
extension Hypervisor {
    /// A network with what is on it: the VMs with a NIC on it and how many leases it handed out (nil: unknown).
    public struct NetworkUse: Sendable {
        public let network: VirtualNetwork
        public let vms: [String]
        public let leases: Int?
    }

    public func networks() throws -> [VirtualNetwork] { try connection.networks() }

    /// Every network with its VMs and lease count, for a table.
    public func networkUse() throws -> [NetworkUse] {
        let users = try connection.networkUsers()
        return try connection.networks().map { network in
            NetworkUse(network: network, vms: users[network.name] ?? [],
                       leases: network.active ? (try? connection.leases(network.name))?.count : 0)
        }
    }

    public func network(named name: String) throws -> NetworkUse {
        let network = try connection.network(named: name)
        return NetworkUse(network: network, vms: try connection.networkUsers(name), leases: nil)
    }

    /// Defines (does not start) the network; returns what the user is told ("defined network lab (nat, …)").
    public func defineNetwork(_ spec: NetworkSpec) throws -> String {
        let network = try connection.defineNetwork(spec)
        return "defined network \(network.name) (\(network.forwardMode)\(network.subnet.map { ", \($0)" } ?? ""))"
    }

    /// Does the action once the table allows it in the network's state; returns what the user is told. A delete
    /// of a network VMs use goes ahead only when the action says so (else `NetworkInUse`).
    public func perform(_ action: NetworkAction, network name: String) throws -> String {
        do {
            return try action.perform(on: LibvirtNetwork(connection: connection, name: name))
        } catch let refused as ActionRefused {
            throw UserFacingError(refused.description)
        }
    }

    public func leases(_ name: String) throws -> [NetworkLease] { try connection.leases(name) }
}

/// One libvirt network as the network actions of the table see it (`NetworkControl`).
private struct LibvirtNetwork: NetworkControl {
    let connection: Connection
    let name: String

    func state() throws -> NetworkState { try connection.network(named: name).active ? .active : .inactive }
    func start() throws { try connection.startNetwork(name) }
    func stop() throws { try connection.stopNetwork(name) }
    func setAutostart(_ on: Bool) throws { try connection.setNetworkAutostart(name, on) }
    func delete(evenIfInUse: Bool, confirmedUsers: [String]) throws {
        try connection.deleteNetwork(name, evenIfInUse: evenIfInUse, confirmedUsers: confirmedUsers)
    }
}
