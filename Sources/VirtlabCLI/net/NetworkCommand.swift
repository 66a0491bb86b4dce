import Services
import ArgumentParser
import Foundation
import Humanize
import Inventory

/// `virtlab net …`: virtual networks (IaaS network): host-only, NAT, routed and open networks made from
/// flags (no hand-written XML), started, stopped, deleted, and their DHCP leases.
struct NetworkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "net", abstract: "Virtual networks: list, create, start, stop, delete, leases.",
        subcommands: [List.self, Info.self, Create.self] + plain + [Autostart.self, Delete.self, Leases.self])

    struct Target: ParsableArguments {
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The network's name.") var name: String
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List virtual networks.")
        @OptionGroup var connection: ConnectionOptions
        @Flag(help: "Print JSON instead of a table.") var json = false

        func run() async throws {
            let host = try connection.open().0
            if json { return try Output.json(try host.networks()) }
            let networks = try host.networkUse()
            guard !networks.isEmpty else { return print("no virtual networks on \(host.uri)") }
            var table = TextTable(headers: ["NAME", "STATE", "AUTOSTART", "MODE", "BRIDGE", "SUBNET", "DHCP", "LEASES", "VMS"])
            for use in networks {
                let net = use.network
                table.add([net.name, net.active ? "active" : "inactive", net.autostart ? "yes" : "no", net.forwardMode,
                           net.bridge ?? "-", net.subnet?.description ?? "-",
                           net.dhcpRanges.map { "\($0.start)-\($0.end)" }.joined(separator: ", "),
                           use.leases.map(String.init) ?? "-", use.vms.joined(separator: ",")])
            }
            print(table.render())
        }
    }

    struct Info: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a network's mode, bridge, subnet, DHCP range, autostart and the VMs on it.")
        @OptionGroup var target: Target
        @Flag(help: "Print JSON instead of text.") var json = false

        struct Shown: Encodable {
            let network: VirtualNetwork
            let subnet: String?
            let vms: [String]
        }

        func run() async throws {
            let use = try target.connection.open().0.network(named: target.name)
            let (net, vms) = (use.network, use.vms)
            if json { return try Output.json(Shown(network: net, subnet: net.subnet?.description, vms: vms)) }
            print("""
                Name:       \(net.name)
                UUID:       \(net.uuid)
                State:      \(net.active ? "active" : "inactive")
                Autostart:  \(net.autostart ? "yes" : "no")
                Mode:       \(net.forwardMode)
                Bridge:     \(net.bridge ?? "-")
                Subnet:     \(net.subnet?.description ?? "-")\(net.address.map { " (host \($0.split(separator: "/")[0]))" } ?? "")
                DHCP:       \(net.dhcpRanges.isEmpty ? "none" : net.dhcpRanges.map { "\($0.start)-\($0.end)" }.joined(separator: ", "))
                VMs:        \(vms.isEmpty ? "none" : vms.joined(separator: ", "))
                """)
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Define a virtual network from flags (it is not started: 'virtlab net start NAME').",
            discussion: """
                Modes: isolated (host-only: guests and the host, no way out), nat (guests reach out through the \
                host's address), route (guests routed, no address translation), open (libvirt adds no firewall \
                rules). Example: virtlab net create lab --mode nat --subnet 192.168.150.0/24 \
                --dhcp 192.168.150.10-192.168.150.99
                """)
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The new network's name.") var name: String
        @Option(help: "isolated, nat, route or open.") var mode: String = "isolated"
        @Option(help: "IPv4 subnet, e.g. 192.168.150.0/24; the host takes its first address.") var subnet: String?
        @Option(help: "DHCP range START-END inside the subnet.") var dhcp: String?
        @Option(help: "The bridge's name (default: libvirt picks virbrN).") var bridge: String?
        @Option(name: .customLong("forward-dev"), help: "Forward through this host interface only (nat, route).")
        var forwardDevice: String?

        func spec() throws -> NetworkSpec {
            do {
                return try NetworkSpec.parse(name: name, mode: mode, subnet: subnet, dhcp: dhcp, bridge: bridge,
                                             forwardDevice: forwardDevice)
            } catch let refusal as NetworkRefusal {
                throw ValidationError(refusal.description)
            }
        }

        func validate() throws { _ = try spec() }

        @OptionGroup var explain: ExplainOption

        func run() async throws {
            let spec = try spec()
            let host = try connection.open().0
            try await ActionRunner.record(host.uri, "define network \(name)", EquivalentCommand.defineNetwork(name, uri: host.uri),
                                          explain: explain.explain) {
                try host.defineNetwork(spec) + "; start it with 'virtlab net start \(name)'"
            }
        }
    }

    /// The action as the table has it (which the Networks pane reads too): explained, or checked against the
    /// network's state and done.
    static func perform(_ target: Target, _ action: NetworkAction, explain: Bool) async throws {
        let host = try target.connection.open().0
        try await ActionRunner.record(host.uri, "\(action.verb) \(target.name)", action.command(for: target.name, uri: host.uri),
                                      explain: explain) {
            do {
                return try host.perform(action, network: target.name)
            } catch let inUse as NetworkInUse {
                throw UserFacingError("\(inUse) with --force")
            }
        }
    }

    /// Start and stop: one subcommand for each plain network action of the table, made from its rule.
    struct Plain<Operation: NetworkOperation & PlainAction>: AsyncParsableCommand {
        static var configuration: CommandConfiguration { .action(Operation.self) }
        @OptionGroup var target: Target
        @OptionGroup var explain: ExplainOption
        func run() async throws { try await perform(target, NetworkAction(Operation()), explain: explain.explain) }
    }

    static var plain: [any ParsableCommand.Type] {
        func subcommand<Each: NetworkOperation & PlainAction>(_: Each.Type) -> any ParsableCommand.Type { Plain<Each>.self }
        return NetworkAction.table.compactMap { $0 as? any (NetworkOperation & PlainAction).Type }.map { subcommand($0) }
    }

    struct Autostart: AsyncParsableCommand {
        static let configuration = CommandConfiguration.action(NetworkAutostart.self)
        @OptionGroup var target: Target
        @Flag(help: "Turn autostart off.") var disable = false
        @OptionGroup var explain: ExplainOption
        func run() async throws { try await perform(target, .autostart(!disable), explain: explain.explain) }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration.action(DeleteNetwork.self)
        @OptionGroup var target: Target
        @Flag(help: "Delete it even though VMs have NICs on it.") var force = false
        @Flag(help: "Confirm: this cannot be undone.") var yes = false
        @OptionGroup var explain: ExplainOption
        func run() async throws {
            guard yes || explain.explain else {
                throw UserFacingError("deleting network '\(target.name)' cannot be undone: add --yes to confirm")
            }
            try await perform(target, .delete(inUseBy: [], force: force), explain: explain.explain)
        }
    }

    struct Leases: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The DHCP leases a network handed out.")
        @OptionGroup var target: Target
        @Flag(help: "Print JSON instead of a table.") var json = false
        func run() async throws {
            let leases = try target.connection.open().0.leases(target.name)
            if json { return try Output.json(leases) }
            guard !leases.isEmpty else { return print("no leases on network \(target.name)") }
            var table = TextTable(headers: ["MAC", "ADDRESS", "HOSTNAME", "EXPIRES"])
            for lease in leases {
                table.add([lease.mac, lease.address, lease.hostname ?? "-",
                           Units.timestamp(Date(timeIntervalSince1970: TimeInterval(lease.expires)))])
            }
            print(table.render())
        }
    }
}
