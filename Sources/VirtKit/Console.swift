import CHostSystem
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

        // The guest's output wakes the relay: libvirt's event loop (its own thread) says the stream is readable
        // by writing to a pipe the relay sleeps on beside the terminal, so neither side is polled on a timer.
        var ends: [Int32] = [-1, -1]
        guard vl_pipe_cloexec(&ends) == 0 else { throw consoleFailure("open console of '\(name)'") }
        defer { close(ends[0]); close(ends[1]) }
        // Both ends never block: a full pipe already says "readable", and the relay drains it to empty.
        for end in ends { _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK) }
        let events = Int32(VIR_STREAM_EVENT_READABLE.rawValue | VIR_STREAM_EVENT_ERROR.rawValue
                           | VIR_STREAM_EVENT_HANGUP.rawValue)
        // The pipe's write end travels as the callback's opaque pointer (plus one: descriptor 0 would be nil).
        try check("watch console of '\(name)'", virStreamEventAddCallback(stream, events, { _, _, opaque in
            var byte: UInt8 = 1
            _ = write(Int32(Int(bitPattern: opaque) - 1), &byte, 1)
        }, UnsafeMutableRawPointer(bitPattern: Int(ends[1]) + 1), nil))
        defer { virStreamEventRemoveCallback(stream) }

        var buffer = [CChar](repeating: 0, count: 4096)
        var fds = [pollfd(fd: input, events: Int16(POLLIN), revents: 0), pollfd(fd: ends[0], events: Int16(POLLIN), revents: 0)]
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
            // Asleep until the terminal types or the guest writes.
            for index in fds.indices { fds[index].revents = 0 }
            guard poll(&fds, 2, -1) >= 0 || errno == EINTR else { return .inputClosed }
            if fds[1].revents != 0 { while read(ends[0], &buffer, buffer.count) > 0 {} }
            // Terminal -> guest, watching for the escape key.
            guard fds[0].revents & Int16(POLLIN | POLLHUP) != 0 else { continue }
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
                // The guest is not reading its console (rare: it is paused, or busy at boot); keystrokes wait.
                poll(nil, 0, 10)
                continue
            }
            if sent < 0 { throw LibvirtError.last("write console of '\(name)'") }
            offset += Int(sent)
        }
    }

    private func consoleFailure(_ operation: String) -> LibvirtError {
        LibvirtError(operation: operation, code: -1, domain: 0, message: String(cString: strerror(errno)))
    }

    private func writeAll(_ fd: Int32, _ buffer: [CChar], count: Int) throws {
        var offset = 0
        while offset < count {
            let written = buffer[offset..<count].withUnsafeBufferPointer { write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw consoleFailure("show console of '\(name)'")
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
