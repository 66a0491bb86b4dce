import Foundation

/// An IPv4 subnet, as `192.168.150.0/24`.
public struct IPv4Subnet: Sendable, Equatable, CustomStringConvertible {
    public let network: UInt32
    public let prefix: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let prefix = Int(parts[1]), (8...30).contains(prefix),
              let address = Self.address(String(parts[0])) else { return nil }
        self.prefix = prefix
        network = address & Self.mask(prefix)
    }

    init(network: UInt32, prefix: Int) {
        self.network = network & Self.mask(prefix)
        self.prefix = prefix
    }

    /// The subnet an address with a netmask (`255.255.255.0`) or a prefix length (`24`) lies in.
    public init?(address: String, netmaskOrPrefix: String) {
        guard let host = Self.address(address) else { return nil }
        let prefix = Int(netmaskOrPrefix) ?? Self.address(netmaskOrPrefix).map { $0.nonzeroBitCount }
        guard let prefix, (1...32).contains(prefix) else { return nil }
        self.init(network: host, prefix: prefix)
    }

    public var description: String { "\(Self.text(network))/\(prefix)" }
    public var netmask: String { Self.text(Self.mask(prefix)) }
    var broadcast: UInt32 { network | ~Self.mask(prefix) }
    /// The host's own address on the network: the first one.
    public var gateway: String { Self.text(network + 1) }

    public func contains(_ address: UInt32) -> Bool { address & Self.mask(prefix) == network }
    public func overlaps(_ other: IPv4Subnet) -> Bool { contains(other.network) || other.contains(network) }

    static func mask(_ prefix: Int) -> UInt32 { prefix == 0 ? 0 : ~UInt32(0) << (32 - prefix) }

    public static func address(_ text: String) -> UInt32? {
        let octets = text.split(separator: ".", omittingEmptySubsequences: false).map { UInt32($0) }
        guard octets.count == 4, octets.allSatisfy({ $0 != nil && $0! <= 255 }) else { return nil }
        return octets.reduce(0) { ($0 << 8) | $1! }
    }

    public static func text(_ address: UInt32) -> String {
        [24, 16, 8, 0].map { String((address >> UInt32($0)) & 0xff) }.joined(separator: ".")
    }
}

/// What `virtlab net create` asks for; `xml` is the libvirt network it becomes. Checked before anything is
/// defined, so a refused network leaves nothing behind.
public struct NetworkSpec: Sendable {
    /// libvirt's forward modes virtlab makes, and the host-only network (no forward element).
    public enum Mode: String, CaseIterable, Sendable {
        case isolated, nat, route, open
    }

    public var name: String
    public var mode: Mode
    public var subnet: IPv4Subnet?
    /// The DHCP range's first and last addresses.
    public var dhcp: (start: String, end: String)?
    public var bridge: String?
    public var forwardDevice: String?

    public init(name: String, mode: Mode, subnet: IPv4Subnet? = nil, dhcp: (start: String, end: String)? = nil,
                bridge: String? = nil, forwardDevice: String? = nil) {
        self.name = name
        self.mode = mode
        self.subnet = subnet
        self.dhcp = dhcp
        self.bridge = bridge
        self.forwardDevice = forwardDevice
    }

    /// A spec from what a user typed (the command line's flags, the dashboard's form); a field that does not
    /// parse is refused in words naming it.
    public static func parse(name: String, mode: String, subnet: String?, dhcp: String?, bridge: String? = nil,
                             forwardDevice: String? = nil) throws -> NetworkSpec {
        guard let parsedMode = Mode(rawValue: mode) else {
            throw Refusal(description: "--mode \(mode): use isolated, nat, route or open")
        }
        var spec = NetworkSpec(name: name, mode: parsedMode, bridge: bridge, forwardDevice: forwardDevice)
        if let subnet {
            guard let parsed = IPv4Subnet(subnet) else {
                throw Refusal(description: "--subnet \(subnet): expected an IPv4 subnet with a prefix of 8 to 30, "
                                     + "e.g. 192.168.150.0/24")
            }
            spec.subnet = parsed
        }
        if let dhcp {
            let ends = dhcp.split(separator: "-").map(String.init)
            guard ends.count == 2 else {
                throw Refusal(description: "--dhcp \(dhcp): expected START-END, e.g. 192.168.150.10-192.168.150.99")
            }
            spec.dhcp = (ends[0], ends[1])
        }
        return spec
    }

    /// What is wrong with it on its own (the connection checks names, subnets and bridges in use), if anything.
    public func problem() -> String? {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_."))
        if name.isEmpty || name.count > 50 || name.unicodeScalars.contains(where: { !allowed.contains($0) }) {
            return "network name '\(name)': use up to 50 letters, digits, '-', '_' or '.'"
        }
        if let bridge, bridge.isEmpty || bridge.count > 15 || bridge.contains("/") || bridge.contains(" ") {
            return "bridge name '\(bridge)': at most 15 characters, no '/' or spaces (Linux interface names)"
        }
        if forwardDevice != nil && (mode == .isolated || mode == .open) {
            return "--forward-dev applies to nat and route networks, not \(mode.rawValue)"
        }
        if (mode == .nat || mode == .route) && subnet == nil {
            return "a \(mode.rawValue) network needs --subnet (e.g. --subnet 192.168.150.0/24)"
        }
        guard let dhcp else { return nil }
        guard let subnet else { return "--dhcp needs --subnet: the range must lie inside a subnet" }
        guard let start = IPv4Subnet.address(dhcp.start), let end = IPv4Subnet.address(dhcp.end) else {
            return "--dhcp \(dhcp.start)-\(dhcp.end): expected two IPv4 addresses, as 192.168.150.10-192.168.150.99"
        }
        let usable = (subnet.network + 2)...(subnet.broadcast - 1)  // the first address is the host's
        guard usable.contains(start), usable.contains(end), start <= end else {
            return "--dhcp \(dhcp.start)-\(dhcp.end) is not inside \(subnet) (usable for guests: "
                + "\(IPv4Subnet.text(usable.lowerBound))-\(IPv4Subnet.text(usable.upperBound)))"
        }
        return nil
    }

    /// The libvirt network XML.
    public var xml: String {
        func escaped(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: "'", with: "&apos;")
        }
        var lines = ["<network>", "  <name>\(escaped(name))</name>"]
        if mode != .isolated {
            lines.append("  <forward mode='\(mode.rawValue)'" + (forwardDevice.map { " dev='\(escaped($0))'" } ?? "") + "/>")
        }
        if let bridge { lines.append("  <bridge name='\(escaped(bridge))' stp='on' delay='0'/>") }
        if let subnet {
            lines.append("  <ip address='\(subnet.gateway)' netmask='\(subnet.netmask)'>")
            if let dhcp { lines += ["    <dhcp>", "      <range start='\(dhcp.start)' end='\(dhcp.end)'/>", "    </dhcp>"] }
            lines.append("  </ip>")
        }
        lines.append("</network>")
        return lines.joined(separator: "\n") + "\n"
    }
}
