import BlockingWork
import ProcessRunner
import Foundation
import LabFormat
import SecureShell
import VirtKit

/// Whether the host reaches a guest: a TCP connection from this host to the VM's address (from its networks'
/// DHCP leases, else its guest agent), optionally reading the service's greeting (`SSH-2.0-…` for sshd).
struct ReachablePrimitive: CheckPrimitive {
    static let format = PrimitiveFormat(
        "reachable",
        summary: "The host opens a TCP connection to a VM's address (from its network's DHCP lease, else its guest "
            + "agent) on a port; optionally the service's first line.",
        followsTarget: false,
        fields: [
            "vm": Schema.Field(.string, required: true, "the VM to reach"),
            "port": Schema.Field(.int, "the TCP port (default 22)"),
            "network": Schema.Field(.string, "reach it at its address on this libvirt network"),
            "open": Schema.Field(.bool, "the port accepts connections (default true); false: it must not"),
            "banner": Schema.Field(.matcher, "the first line the service sends, e.g. regex ^SSH-2\\.0-"),
        ])

    static func evaluate(_ fields: [String: FieldValue], on target: Target, timeout: Double,
                         with evaluator: Evaluator) async -> Verdict {
        await BlockingPool.run { judge(fields, evaluator, timeout: min(timeout, 10)) }
    }

    private static func judge(_ fields: [String: FieldValue], _ evaluator: Evaluator, timeout: Double) -> Verdict {
        guard case .string(let name)? = fields["vm"] else { return .failure("no VM name") }
        let port = fields["port"].flatMap { if case .int(let n) = $0 { n } else { nil } } ?? 22
        let wantOpen = evaluator.flag(fields, "open") ?? true
        var network: String?
        if case .string(let wanted)? = fields["network"] { network = wanted }
        let domain: Domain, details: DomainDetails
        do {
            domain = try evaluator.context.libvirt().domain(named: name)
            details = try domain.details()
        } catch {
            return Verdict(passed: false, error: "no VM '\(name)' on \(evaluator.context.libvirtURI): create it first",
                           final: true)
        }
        let onNetwork = network.map { " on network \($0)" } ?? ""
        let expected = "\(name)\(onNetwork) \(wantOpen ? "accepts" : "refuses") TCP connections on port \(port)"
        guard !details.reachableNICs(onNetwork: network).isEmpty else {
            return .judged(false, expected: expected, got: "\(name) has no NIC\(onNetwork.isEmpty ? " the host can reach" : onNetwork)")
        }
        do { try domain.refuseMadeUpAddresses() } catch { return Verdict(passed: false, error: "\(error)", final: true) }
        // The details read above carry the addresses already (leases, else the agent): no second read.
        guard let address = details.guestAddress(onNetwork: network) else {
            return .judged(false, expected: expected, got: "no address yet (no DHCP lease, no answer from its guest agent)")
        }
        switch TCPProbe.connect(address, port: port, timeout: timeout) {
        case .failure(let why):
            return .judged(!wantOpen, expected: expected, got: "\(address):\(port) \(why)")
        case .success(let banner):
            guard wantOpen else { return .judged(false, expected: expected, got: "\(address):\(port) accepts connections") }
            guard case .matcher(let matcher)? = fields["banner"] else {
                return .judged(true, expected: expected, got: "\(address):\(port) accepts connections")
            }
            return .judged(matcher.matches(banner), expected: "\(expected), greeting \(matcher.summary)",
                           got: "\(address):\(port) says \(banner.isEmpty ? "nothing" : "'\(banner)'")")
        }
    }
}
