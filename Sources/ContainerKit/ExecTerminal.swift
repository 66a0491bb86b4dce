import Foundation
import HostDoctor

/// How an interactive session inside a container ended.
public enum ShellEnd: Sendable, Equatable {
    /// The user pressed the escape key (Ctrl-]).
    case userLeft
    /// The command inside the container exited.
    case ended
    /// Our own terminal input went away.
    case inputClosed
}

/// An exec attached to the user's terminal: keystrokes in, the container's terminal out.
///
/// Starting an attached exec makes the engine take over the HTTP connection as a raw byte stream ("hijacking").
/// HTTP client libraries hand back bodies, not the connection, so this one request is written on a plain Unix
/// socket; everything else goes through `EngineClient`.
public final class ExecTerminal: @unchecked Sendable {
    private let fd: Int32

    private init(fd: Int32) { self.fd = fd }

    deinit { close(fd) }

    /// Starts exec `execID` (made with `EngineClient.createExec(terminal: true)`) and attaches to it.
    public static func attach(endpoint: EngineEndpoint, execID: String) throws -> ExecTerminal {
        let fd: Int32
        switch EngineSocket.connect(path: endpoint.socketPath) {
        case .success(let connected): fd = connected
        case .failure(let problem):
            throw EngineError(.noEngine, "cannot reach the container engine at \(endpoint.socketPath): \(problem)")
        }
        let terminal = ExecTerminal(fd: fd)
        let body = #"{"Detach":false,"Tty":true}"#
        let request = "POST /v\(EngineClient.apiVersion)/exec/\(execID)/start HTTP/1.1\r\nHost: localhost\r\n"
            + "Content-Type: application/json\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
            + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
        guard terminal.writeAll(Array(request.utf8)) else {
            throw EngineError(.failed, "the engine closed the connection before the shell started")
        }
        let head = terminal.readHead()
        let statusLine = head.split(separator: "\r\n").first.map(String.init) ?? ""
        guard statusLine.contains(" 101 ") || statusLine.contains(" 200 ") else {
            throw EngineError(.failed, "the engine refused to attach the shell: "
                + (statusLine.isEmpty ? "no answer" : statusLine))
        }
        return terminal
    }

    /// Copies `input` to the container and its output to `output` until one side ends or the user presses
    /// `escape` (Ctrl-] by default, as in the VM console).
    public func relay(input: Int32, output: Int32, escape: UInt8 = 0x1d) -> ShellEnd {
        var fds = [pollfd(fd: input, events: Int16(POLLIN), revents: 0), pollfd(fd: fd, events: Int16(POLLIN), revents: 0)]
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            for i in fds.indices { fds[i].revents = 0 }
            guard poll(&fds, 2, -1) >= 0 || errno == EINTR else { return .inputClosed }
            if fds[1].revents != 0 {
                let count = read(fd, &buffer, buffer.count)
                if count <= 0 { return .ended }
                var written = 0
                while written < count {
                    let n = buffer.withUnsafeBytes { write(output, $0.baseAddress! + written, count - written) }
                    if n <= 0 { break }
                    written += n
                }
            }
            if fds[0].revents != 0 {
                let count = read(input, &buffer, buffer.count)
                if count <= 0 { return .inputClosed }
                let typed = buffer[0 ..< count]
                if let cut = typed.firstIndex(of: escape) {
                    _ = writeAll(Array(typed[..<cut]))
                    return .userLeft
                }
                guard writeAll(Array(typed)) else { return .ended }
            }
        }
    }

    /// The response head, read a byte at a time so none of the stream after it is swallowed.
    private func readHead() -> String {
        var head: [UInt8] = []
        var byte: UInt8 = 0
        while head.count < 16 * 1024, read(fd, &byte, 1) == 1 {
            head.append(byte)
            if head.suffix(4) == [13, 10, 13, 10] { break }
        }
        return String(decoding: head, as: UTF8.self)
    }

    private func writeAll(_ bytes: [UInt8]) -> Bool {
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + written, bytes.count - written, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            written += n
        }
        return true
    }
}

/// The size of the terminal on `fd`, for telling the engine how big the container's terminal is.
public func terminalSize(of fd: Int32) -> (rows: Int, columns: Int)? {
    var size = winsize()
    guard ioctl(fd, UInt(TIOCGWINSZ), &size) == 0, size.ws_row > 0 else { return nil }
    return (Int(size.ws_row), Int(size.ws_col))
}
