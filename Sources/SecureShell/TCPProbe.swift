import Foundation

/// One TCP connection with a deadline, reading the first line the other side sends (if any, within the deadline).
public enum TCPProbe {
    public static func connect(_ address: String, port: Int, timeout: Double) -> Result<String, ProbeFailure> {
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

    public struct ProbeFailure: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
        init(_ code: Int32) {
            description = code == ECONNREFUSED ? "refuses connections" : code == EHOSTUNREACH ? "is unreachable"
                : "cannot be reached (\(String(cString: strerror(code))))"
        }
    }
}
