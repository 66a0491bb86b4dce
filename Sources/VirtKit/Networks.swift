import CLibvirt
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

public struct VirtualNetwork: Sendable, Equatable, Codable {
    public let name: String
    public let uuid: String
    public let active: Bool
    public let autostart: Bool
    public let bridge: String?
    /// "nat", "route", "open", "isolated" (no forward element), ...
    public let forwardMode: String
    public let address: String?
    public let dhcpRanges: [DHCPRange]
    /// The file its DHCP server names for network boots (`<dhcp><bootp file=…/>`): what a PXE client loads.
    public let bootFile: String?

    public struct DHCPRange: Sendable, Equatable, Codable {
        public let start: String
        public let end: String
    }

    /// The subnet its address lies in, where it has one.
    public var subnet: IPv4Subnet? {
        guard let address else { return nil }
        let parts = address.split(separator: "/")
        return parts.count == 2 ? IPv4Subnet(address: String(parts[0]), netmaskOrPrefix: String(parts[1])) : nil
    }
}

/// One DHCP lease a network's dnsmasq handed out.
public struct NetworkLease: Sendable, Equatable, Codable {
    public let mac: String
    public let address: String
    public let hostname: String?
    /// Seconds since the epoch.
    public let expires: Int64
}

/// An operation refused before libvirt was asked (a network that clashes, a NIC that is not there):
/// nothing was made or changed.
public struct Refusal: Error, CustomStringConvertible, Equatable {
    public let description: String

    /// What to install when libvirt could not start a network for want of a helper: its own words name the
    /// binary (dnsmasq) or the firewall command line it could not run (iptables).
    static func missingHelper(network name: String, libvirtMessage message: String) -> Refusal? {
        if message.contains("'dnsmasq'") {
            return Refusal(description: "network '\(name)' hands out addresses with dnsmasq, which libvirtd cannot find: "
                + "install it (Debian: apt install dnsmasq-base) and start the network again")
        }
        if message.contains("iptables") && message.contains("No such file") {
            return Refusal(description: "network '\(name)' needs iptables for its NAT and filter rules, which libvirtd "
                + "cannot find: install it (Debian: apt install iptables) and start the network again")
        }
        return nil
    }
}

/// A network VMs have NICs on was not deleted; the caller says how to delete it anyway.
public struct NetworkInUse: Error, CustomStringConvertible, Equatable {
    public let network: String
    public let machines: [String]
    public var description: String {
        "network '\(network)' is in use by \(machines.joined(separator: ", ")); detach their NICs first "
            + "(virtlab vm nic detach), or delete it anyway"
    }
}

extension Connection {
    public func networks() throws -> [VirtualNetwork] {
        let conn = try handle("list networks")
        return try listAll("list networks", { virConnectListAllNetworks(conn, $0, 0) },
                           release: { virNetworkFree($0) }) { net in
            let name = String(cString: virNetworkGetName(net))
            let xml = try check("read network '\(name)'", takeString(virNetworkGetXMLDesc(net, 0)))
            let root = try XMLDocument(xmlString: xml, options: []).rootElement()
            var autostart: Int32 = 0
            _ = virNetworkGetAutostart(net, &autostart)
            let ip = root?.first("ip")
            let address = ip.flatMap { ip in
                ip.attribute("address").map { addr in
                    addr + (ip.attribute("prefix").map { "/\($0)" } ?? ip.attribute("netmask").map { "/\($0)" } ?? "")
                }
            }
            return VirtualNetwork(
                name: name, uuid: root?.text("uuid") ?? "", active: virNetworkIsActive(net) == 1,
                autostart: autostart != 0, bridge: root?.first("bridge")?.attribute("name"),
                forwardMode: root?.first("forward").map { $0.attribute("mode") ?? "nat" } ?? "isolated",
                address: address,
                dhcpRanges: (root?.all("ip/dhcp/range") ?? []).compactMap { range in
                    guard let start = range.attribute("start"), let end = range.attribute("end") else { return nil }
                    return VirtualNetwork.DHCPRange(start: start, end: end)
                },
                bootFile: root?.first("ip/dhcp/bootp")?.attribute("file"))
        }
    }

    public func network(named name: String) throws -> VirtualNetwork {
        guard let network = try networks().first(where: { $0.name == name }) else {
            throw Refusal(description: "no network '\(name)' on \(uri) (run 'virtlab net ls' to see them)")
        }
        return network
    }

    /// The network's libvirt XML (what `virsh net-dumpxml` prints).
    public func networkXML(_ name: String) throws -> String {
        try withNetwork(name, "read network '\(name)'") {
            try check("read network '\(name)'", takeString(virNetworkGetXMLDesc($0, 0)))
        }
    }

    /// Defines the network `spec` describes, after checking it against the networks there are (name, subnet,
    /// bridge) and, on this host, its interfaces and routes. A refusal leaves nothing defined.
    @discardableResult
    public func defineNetwork(_ spec: NetworkSpec, hostInterfaces: Set<String>? = nil,
                              hostRoutes: [IPv4Subnet]? = nil) throws -> VirtualNetwork {
        if let problem = spec.problem() { throw Refusal(description: problem) }
        let existing = try networks()
        if existing.contains(where: { $0.name == spec.name }) {
            throw Refusal(description: "a network named '\(spec.name)' already exists on \(uri)")
        }
        if let subnet = spec.subnet {
            if let other = existing.first(where: { $0.subnet.map(subnet.overlaps) ?? false }) {
                throw Refusal(description: "\(subnet) overlaps network '\(other.name)' (\(other.subnet!)); "
                                     + "pick another subnet")
            }
            let local = uri.contains(":///")
            if let route = (hostRoutes ?? (local ? Self.hostRoutes() : [])).first(where: subnet.overlaps) {
                throw Refusal(description: "\(subnet) overlaps this host's route to \(route); pick another subnet")
            }
        }
        if let bridge = spec.bridge {
            if let other = existing.first(where: { $0.bridge == bridge }) {
                throw Refusal(description: "bridge '\(bridge)' belongs to network '\(other.name)'")
            }
            let local = uri.contains(":///")
            if (hostInterfaces ?? (local ? Self.hostInterfaces() : [])).contains(bridge) {
                throw Refusal(description: "an interface named '\(bridge)' exists on this host; pick another bridge name")
            }
        }
        let conn = try handle("define network '\(spec.name)'")
        let net = try check("define network '\(spec.name)'", virNetworkDefineXML(conn, spec.xml))
        virNetworkFree(net)
        return try network(named: spec.name)
    }

    /// Starts it. A host without the helpers libvirt runs for a network gets a refusal saying what to install;
    /// the network stays defined and stopped.
    public func startNetwork(_ name: String) throws {
        do {
            try withNetwork(name, "start network '\(name)'") { try check("start network '\(name)'", virNetworkCreate($0)) }
        } catch let error as LibvirtError {
            throw Refusal.missingHelper(network: name, libvirtMessage: error.message) ?? error
        }
    }

    public func stopNetwork(_ name: String) throws {
        try withNetwork(name, "stop network '\(name)'") { try check("stop network '\(name)'", virNetworkDestroy($0)) }
    }

    public func setNetworkAutostart(_ name: String, _ on: Bool) throws {
        try withNetwork(name, "set autostart of network '\(name)'") {
            try check("set autostart of network '\(name)'", virNetworkSetAutostart($0, on ? 1 : 0))
        }
    }

    /// The VMs with a NIC on the network, by name.
    public func networkUsers(_ name: String) throws -> [String] { try networkUsers()[name] ?? [] }

    /// Every network's VMs (a NIC on it in their definition), by name, from one read of each VM's XML.
    public func networkUsers() throws -> [String: [String]] {
        var users: [String: [String]] = [:]
        for domain in try domains() {
            guard let xml = try? domain.xml(), let root = try? XMLDocument(xmlString: xml, options: []).rootElement()
            else { continue }
            let networks = Set(root.all("devices/interface").filter { $0.attribute("type") == "network" }
                .compactMap { $0.first("source")?.attribute("network") })
            for network in networks { users[network, default: []].append(domain.name) }
        }
        return users.mapValues { $0.sorted() }
    }

    /// Stops (if active) and undefines the network. One in use by VMs is refused unless `evenIfInUse`, or unless
    /// every VM on it is among `confirmedUsers` (the ones the user was shown when they agreed).
    public func deleteNetwork(_ name: String, evenIfInUse: Bool = false, confirmedUsers: [String] = []) throws {
        let network = try network(named: name)
        let users = try networkUsers(name)
        if !users.allSatisfy(confirmedUsers.contains) && !evenIfInUse {
            throw NetworkInUse(network: name, machines: users)
        }
        try withNetwork(name, "delete network '\(name)'") { net in
            if network.active { try check("stop network '\(name)'", virNetworkDestroy(net)) }
            try check("delete network '\(name)'", virNetworkUndefine(net))
        }
    }

    /// The DHCP leases dnsmasq handed out on the network.
    public func leases(_ name: String) throws -> [NetworkLease] {
        try withNetwork(name, "read the leases of network '\(name)'") { net in
            var leases: UnsafeMutablePointer<UnsafeMutablePointer<virNetworkDHCPLease>?>?
            let count = try check("read the leases of network '\(name)'", virNetworkGetDHCPLeases(net, nil, &leases, 0))
            defer {
                for index in 0..<Int(count) { virNetworkDHCPLeaseFree(leases?[index]) }
                free(leases)
            }
            return (0..<Int(count)).compactMap { index in
                guard let lease = leases?[index]?.pointee else { return nil }
                return NetworkLease(mac: lease.mac.map { String(cString: $0) } ?? "",
                                    address: lease.ipaddr.map { String(cString: $0) } ?? "",
                                    hostname: lease.hostname.map { String(cString: $0) }, expires: lease.expirytime)
            }
        }
    }

    @discardableResult
    private func withNetwork<T>(_ name: String, _ operation: String, _ body: (OpaquePointer) throws -> T) throws -> T {
        _ = try network(named: name)  // a missing network is said in virtlab's words, with what to run
        let conn = try handle(operation)
        let net = try check(operation, virNetworkLookupByName(conn, name))
        defer { virNetworkFree(net) }
        return try body(net)
    }

    /// This host's interface names (a new bridge must not take one).
    static func hostInterfaces() -> Set<String> {
        Set((try? FileManager.default.contentsOfDirectory(atPath: "/sys/class/net")) ?? [])
    }

    /// This host's IPv4 routes other than the default one, from /proc/net/route (little-endian hex).
    static func hostRoutes() -> [IPv4Subnet] {
        guard let text = try? String(contentsOfFile: "/proc/net/route", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").dropFirst().compactMap { line in
            let fields = line.split(whereSeparator: \.isWhitespace)
            guard fields.count > 7, let destination = UInt32(fields[1], radix: 16), let mask = UInt32(fields[7], radix: 16),
                  mask != 0 else { return nil }
            return IPv4Subnet(network: destination.byteSwapped, prefix: mask.byteSwapped.nonzeroBitCount)
        }
    }
}
