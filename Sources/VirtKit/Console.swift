import CLibvirt
import Foundation

extension Domain {
    /// Connects `input` and `output` (normally the user's terminal, already in raw mode) to the domain's
    /// serial console through a libvirt stream, until the user types `escape` (Ctrl-] by default) or the
    /// console closes. Returns why it ended.
    public func attachConsole(input: Int32, output: Int32, escape: UInt8 = 0x1d) throws -> ConsoleEnd {
        guard let conn = virDomainGetConnect(pointer) else { throw LibvirtError.last("open console of '\(name)'") }
        let stream = try check("open console of '\(name)'", virStreamNew(conn, VIR_STREAM_NONBLOCK.rawValue))
        defer { virStreamFree(stream) }
        try check("open console of '\(name)'",
                  virDomainOpenConsole(pointer, nil, stream, VIR_DOMAIN_CONSOLE_FORCE.rawValue))
        var finished = false
        defer { if !finished { virStreamAbort(stream) } }

        var buffer = [CChar](repeating: 0, count: 4096)
        var pollInput = pollfd(fd: input, events: Int16(POLLIN), revents: 0)
        while true {
            // Guest -> terminal: drain what the stream has.
            while true {
                let received = virStreamRecv(stream, &buffer, buffer.count)
                if received == -2 { break }  // nothing waiting (non-blocking stream)
                if received == 0 {
                    finished = virStreamFinish(stream) == 0
                    return .consoleClosed
                }
                if received < 0 { throw LibvirtError.last("read console of '\(name)'") }
                try writeAll(output, buffer, count: Int(received))
            }
            // Terminal -> guest, watching for the escape key.
            pollInput.revents = 0
            guard poll(&pollInput, 1, 20) >= 0 || errno == EINTR else { return .inputClosed }
            guard pollInput.revents & Int16(POLLIN | POLLHUP) != 0 else { continue }
            let count = read(input, &buffer, buffer.count)
            if count <= 0 { return .inputClosed }
            let bytes = buffer.prefix(count)
            let escapeIndex = bytes.firstIndex { UInt8(bitPattern: $0) == escape }
            let toSend = Array(bytes.prefix(upTo: escapeIndex ?? bytes.endIndex))
            try send(stream, toSend)
            if escapeIndex != nil { return .userLeft }
        }
    }

    private func send(_ stream: OpaquePointer, _ bytes: [CChar]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBufferPointer { virStreamSend(stream, $0.baseAddress, $0.count) }
            if sent == -2 {
                usleep(1000)
                continue
            }
            if sent < 0 { throw LibvirtError.last("write console of '\(name)'") }
            offset += Int(sent)
        }
    }

    private func writeAll(_ fd: Int32, _ buffer: [CChar], count: Int) throws {
        var offset = 0
        while offset < count {
            let written = buffer[offset..<count].withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw LibvirtError(operation: "show console of '\(name)'", code: -1, domain: 0,
                                   message: String(cString: strerror(errno)))
            }
            offset += written
        }
    }
}

public enum ConsoleEnd: Sendable, Equatable {
    /// The user typed the escape key.
    case userLeft
    /// The guest's console went away (it stopped, or another client took it).
    case consoleClosed
    /// The terminal closed.
    case inputClosed
}
