import Foundation
import LabFormat
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
        await OwnThread.run { judge(fields, evaluator, timeout: min(timeout, 10)) }
    }

    private static func judge(_ fields: [String: FieldValue], _ evaluator: Evaluator, timeout: Double) -> Verdict {
        guard case .string(let name)? = fields["vm"] else { return .failure("no VM name") }
        let port = fields["port"].flatMap { if case .int(let n) = $0 { n } else { nil } } ?? 22
        let wantOpen = evaluator.flag(fields, "open") ?? true
        var network: String?
        if case .string(let wanted)? = fields["network"] { network = wanted }
        let domain: Domain, nics: [DomainDetails.NIC]
        do {
            domain = try evaluator.context.libvirt().domain(named: name)
            nics = try domain.details().nics.filter { $0.reachableFromHost && (network == nil || $0.source == network) }
        } catch {
            return Verdict(passed: false, error: "no VM '\(name)' on \(evaluator.context.libvirtURI): create it first",
                           final: true)
        }
        let onNetwork = network.map { " on network \($0)" } ?? ""
        let expected = "\(name)\(onNetwork) \(wantOpen ? "accepts" : "refuses") TCP connections on port \(port)"
        guard !nics.isEmpty else {
            return .judged(false, expected: expected, got: "\(name) has no NIC\(onNetwork.isEmpty ? " the host can reach" : onNetwork)")
        }
        let found: String?
        do { found = try domain.guestAddress(onNetwork: network) } catch {
            return Verdict(passed: false, error: "\(error)", final: true)
        }
        guard let address = found else {
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

/// One TCP connection with a deadline, reading the first line the other side sends (if any, within the deadline).
enum TCPProbe {
    static func connect(_ address: String, port: Int, timeout: Double) -> Result<String, ProbeFailure> {
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(address, String(port), &hints, &found) == 0, let info = found else {
            return .failure(ProbeFailure("is not an address"))
        }
        defer { freeaddrinfo(found) }
        let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
                        | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(ProbeFailure("cannot be tried: no socket")) }
        defer { close(fd) }
        let deadline = Date().addingTimeInterval(timeout)
        if Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) != 0 && errno != EINPROGRESS {
            return .failure(ProbeFailure(errno))
        }
        guard wait(fd, for: Int16(POLLOUT), until: deadline) else { return .failure(ProbeFailure("does not answer")) }
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
        guard error == 0 else { return .failure(ProbeFailure(error)) }
        // The greeting, if the service sends one first (sshd does); a quiet service is still reachable.
        var line = Data()
        var byte: UInt8 = 0
        while line.count < 255, wait(fd, for: Int16(POLLIN), until: min(deadline, Date().addingTimeInterval(3))),
              read(fd, &byte, 1) == 1, byte != UInt8(ascii: "\n") {
            line.append(byte)
        }
        return .success(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    private static func wait(_ fd: Int32, for events: Int16, until deadline: Date) -> Bool {
        var entry = pollfd(fd: fd, events: events, revents: 0)
        let milliseconds = Int32(max(0, deadline.timeIntervalSinceNow) * 1000)
        return poll(&entry, 1, milliseconds) == 1 && entry.revents & events != 0
    }

    struct ProbeFailure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
        init(_ code: Int32) {
            description = code == ECONNREFUSED ? "refuses connections" : code == EHOSTUNREACH ? "is unreachable"
                : "cannot be reached (\(String(cString: strerror(code))))"
        }
    }
}
