import BlockingWork
import ProcessRunner
import LabFormat
import VirtKit

struct NetworkPrimitive: CheckPrimitive {
    static let format = PrimitiveFormat(
        "network",
        summary: "A libvirt virtual network: defined, started, its mode, bridge, subnet, DHCP range, and whether a VM "
            + "(or a MAC) holds a lease on it.",
        followsTarget: false,
        fields: [
            "name": Schema.Field(.string, required: true, "the libvirt network"),
            "exists": Schema.Field(.bool, "defined (or not)"),
            "active": Schema.Field(.bool, "started (or not)"),
            "autostart": Schema.Field(.bool, "starts with libvirtd"),
            "mode": Schema.Field(.matcher, "isolated (host-only), nat, route, open, bridge"),
            "bridge": Schema.Field(.matcher, "the bridge's name, e.g. virbr1"),
            "subnet": Schema.Field(.matcher, "its subnet, e.g. 192.168.150.0/24"),
            "dhcp_start": Schema.Field(.matcher, "the first address of its DHCP range"),
            "dhcp_end": Schema.Field(.matcher, "the last address of its DHCP range"),
            "lease_for": Schema.Field(.string, "a VM's name, or a MAC address, that holds a DHCP lease on it"),
        ])

    /// It asks libvirt (which blocks): on the blocking pool.
    static func evaluate(_ fields: [String: FieldValue], on target: Target, timeout: Double,
                         with evaluator: Evaluator) async -> Verdict {
        await BlockingPool.run { judgeNetwork(fields, evaluator) }
    }

    private static func judgeNetwork(_ fields: [String: FieldValue], _ evaluator: Evaluator) -> Verdict {
        guard case .string(let name)? = fields["name"] else { return .failure("no network name") }
        let connection: Connection, networks: [VirtualNetwork]
        do {
            connection = try evaluator.context.libvirt()
            networks = try connection.networks()
        } catch {
            return .failure("cannot ask libvirt: \(error)")
        }
        let wantExists = evaluator.flag(fields, "exists") ?? true
        guard let network = networks.first(where: { $0.name == name }) else {
            return .judged(!wantExists, expected: "network \(name) \(wantExists ? "exists" : "is absent")", got: "absent")
        }
        guard wantExists else { return .judged(false, expected: "network \(name) is absent", got: "it exists") }
        let facts: [String: String] = [
            "mode": network.forwardMode, "bridge": network.bridge ?? "", "subnet": network.subnet?.description ?? "",
            "dhcp_start": network.dhcpRanges.first?.start ?? "", "dhcp_end": network.dhcpRanges.first?.end ?? "",
        ]
        var passed = true, expected: [String] = [], got: [String] = []
        for (key, want) in [("active", network.active), ("autostart", network.autostart)] {
            guard let wanted = evaluator.flag(fields, key) else { continue }
            expected.append(wanted ? key : "not \(key)")
            got.append(want ? key : "not \(key)")
            passed = passed && want == wanted
        }
        for key in ["mode", "bridge", "subnet", "dhcp_start", "dhcp_end"] {
            guard case .matcher(let matcher)? = fields[key] else { continue }
            let actual = facts[key] ?? ""
            expected.append("\(key) \(matcher.summary)")
            got.append("\(key) \(actual.isEmpty ? "none" : actual)")
            passed = passed && matcher.matches(actual)
        }
        if case .string(let holder)? = fields["lease_for"] {
            switch leaseHeld(by: holder, on: name, connection) {
            case .success(let lease):
                expected.append("a lease for \(holder)")
                got.append(lease.map { "\($0.address) leased to \($0.mac)" } ?? "no lease for \(holder)")
                passed = passed && lease != nil
            case .failure(let verdict):
                return verdict
            }
        }
        return .judged(passed, expected: expected.isEmpty ? "network \(name) exists" : expected.joined(separator: ", "),
                       got: got.isEmpty ? "it exists" : got.joined(separator: ", "))
    }

    /// The lease a VM (any of its NICs' MACs) or a MAC holds on the network, if any.
    private static func leaseHeld(by holder: String, on network: String, _ connection: Connection)
        -> Result<NetworkLease?, Verdict> {
        let macs: Set<String>
        if holder.contains(":") {
            macs = [holder.lowercased()]
        } else {
            guard let details = try? connection.domain(named: holder).details() else {
                return .failure(.failure("no VM '\(holder)' to look up a lease for"))
            }
            macs = Set(details.nics.map { $0.mac.lowercased() })
        }
        do {
            return .success(try connection.leases(network).first { macs.contains($0.mac.lowercased()) })
        } catch {
            return .failure(.failure("cannot read the leases of network '\(network)': \(error)"))
        }
    }
}
