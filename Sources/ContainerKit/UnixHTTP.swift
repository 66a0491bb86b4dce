import Foundation
import HostDoctor

/// HTTP/1.1 over a Unix socket, one connection per request: all the Engine API needs. The engine is local and
/// answers JSON, so there is no TLS, no pooling and no HTTP/2; the calls block, and `EngineClient` makes them on
/// virtlab's blocking pool. Every wait has the request's deadline.
struct UnixHTTP: Sendable {
    let socketPath: String

    struct Response: Sendable {
        let status: Int
        let reason: String
        /// Names lowercased.
        let headers: [String: String]
        /// The whole body, unless a `receive` was given for a successful answer (then empty).
        let body: Data
    }

    enum Failure: Error, CustomStringConvertible {
        /// No whole answer before the deadline.
        case timedOut
        /// The socket refused, or the connection broke.
        case connection(String)
        /// Something answered, but not in HTTP.
        case notHTTP(String)

        var description: String {
            switch self {
            case .timedOut: "no answer in time"
            case .connection(let why): why
            case .notHTTP(let what): "not an HTTP answer: \(what)"
            }
        }
    }

    /// Sends one request and reads its answer. A successful (2xx) body goes to `receive` chunk by chunk when one is
    /// given (a log or an exec's output, which may last); otherwise, and always for an error, it is collected, up
    /// to `limit` bytes.
    /// `upload`: a file sent as the body (an image's root file system), read and sent a MiB at a time.
    func exchange(_ method: String, _ target: String, json: Data? = nil, upload: (file: String, contentType: String)? = nil,
                  timeout: Duration, limit: Int = 64 << 20, receive: ((Data) -> Void)? = nil) throws -> Response {
        let deadline = ContinuousClock.now + timeout
        let fd: Int32
        switch EngineSocket.connect(path: socketPath) {
        case .success(let connected): fd = connected
        case .failure(let problem): throw Failure.connection(problem.description)
        }
        defer { close(fd) }
        var head = "\(method) \(target) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        if let json { head += "Content-Type: application/json\r\nContent-Length: \(json.count)\r\n" }
        let file = try upload.map { upload in
            guard let handle = FileHandle(forReadingAtPath: upload.file),
                  let size = (try? FileManager.default.attributesOfItem(atPath: upload.file))?[.size] as? Int else {
                throw Failure.connection("cannot read \(upload.file)")
            }
            head += "Content-Type: \(upload.contentType)\r\nContent-Length: \(size)\r\n"
            return handle
        }
        defer { try? file?.close() }
        // Go's HTTP server (Docker, Podman) refuses a request without a host; a socket has none, so any name does.
        try write(Data((head + "\r\n").utf8) + (json ?? Data()), to: fd, by: deadline)
        while let file, let chunk = try file.read(upToCount: 1 << 20), !chunk.isEmpty { try write(chunk, to: fd, by: deadline) }

        var reader = Reader(fd: fd, deadline: deadline)
        let statusLine = try reader.line(max: 8 << 10) ?? ""
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw Failure.notHTTP(statusLine.isEmpty ? "the connection closed" : String(statusLine.prefix(80)))
        }
        var headers: [String: String] = [:]
        while let line = try reader.line(max: 8 << 10), !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { throw Failure.notHTTP("a header without a colon") }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Data()
        let sink: (Data) throws -> Void
        if let receive, (200 ..< 300).contains(status) {
            sink = receive
        } else {
            sink = { chunk in
                guard body.count + chunk.count <= limit else { throw Failure.notHTTP("an answer over \(limit) bytes") }
                body.append(chunk)
            }
        }
        if status == 204 || status == 304 || method == "HEAD" {
            // No body, whatever the headers say.
        } else if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            try reader.chunked(into: sink)
        } else if let length = headers["content-length"].flatMap(Int.init) {
            try reader.exactly(length, into: sink)
        } else {
            try reader.untilClosed(into: sink)
        }
        return Response(status: status, reason: parts.count > 2 ? String(parts[2]) : "", headers: headers, body: body)
    }

    private func write(_ data: Data, to fd: Int32, by deadline: ContinuousClock.Instant) throws {
        var sent = 0
        while sent < data.count {
            try Self.wait(fd, for: Int16(POLLOUT), by: deadline)
            let n = data.withUnsafeBytes { send(fd, $0.baseAddress! + sent, data.count - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw Failure.connection("the engine closed the connection while the request was sent") }
            sent += n
        }
    }

    /// Waits until `fd` is ready for `events`, or throws `timedOut` at the deadline.
    static func wait(_ fd: Int32, for events: Int16, by deadline: ContinuousClock.Instant) throws {
        while true {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { throw Failure.timedOut }
            let (seconds, attoseconds) = left.components
            let milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
            var poller = pollfd(fd: fd, events: events, revents: 0)
            let ready = poll(&poller, 1, milliseconds)
            if ready > 0 { return }
            if ready < 0 && errno != EINTR { throw Failure.connection(String(cString: strerror(errno))) }
        }
    }

    /// The answer as it arrives: lines for the head and chunk sizes, bytes for the body.
    private struct Reader {
        let fd: Int32
        let deadline: ContinuousClock.Instant
        private var buffered = Data()
        private var closed = false

        init(fd: Int32, deadline: ContinuousClock.Instant) {
            self.fd = fd
            self.deadline = deadline
        }

        /// Reads more; false once the engine has closed its side.
        private mutating func fill() throws -> Bool {
            guard !closed else { return false }
            try UnixHTTP.wait(fd, for: Int16(POLLIN), by: deadline)
            var bytes = [UInt8](repeating: 0, count: 64 << 10)
            let n = read(fd, &bytes, bytes.count)
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { return true }
                throw Failure.connection("reading the answer: \(String(cString: strerror(errno)))")
            }
            if n == 0 { closed = true }
            buffered.append(contentsOf: bytes[0 ..< n])
            return n > 0
        }

        /// A line without its CRLF (or bare LF); nil at the end of the stream.
        mutating func line(max: Int) throws -> String? {
            while true {
                if let newline = buffered.firstIndex(of: 10) {
                    var line = buffered[buffered.startIndex ..< newline]
                    if line.last == 13 { line = line.dropLast() }
                    buffered.removeSubrange(buffered.startIndex ... newline)
                    return String(decoding: line, as: UTF8.self)
                }
                guard buffered.count < max else { throw Failure.notHTTP("a line longer than \(max) bytes") }
                guard try fill() else {
                    guard !buffered.isEmpty else { return nil }
                    defer { buffered.removeAll() }
                    return String(decoding: buffered, as: UTF8.self)
                }
            }
        }

        mutating func exactly(_ count: Int, into sink: (Data) throws -> Void) throws {
            var left = count
            while left > 0 {
                if buffered.isEmpty, try !fill() { throw Failure.connection("the answer ended \(left) bytes early") }
                let piece = buffered.prefix(left)
                buffered.removeFirst(piece.count)
                left -= piece.count
                try sink(Data(piece))
            }
        }

        mutating func untilClosed(into sink: (Data) throws -> Void) throws {
            while true {
                if !buffered.isEmpty {
                    try sink(buffered)
                    buffered.removeAll()
                }
                guard try fill() else { return }
            }
        }

        /// Chunk sizes in hex (extensions after ";" ignored), each chunk then CRLF; a zero size, trailers, an empty line.
        mutating func chunked(into sink: (Data) throws -> Void) throws {
            while true {
                guard let sizeLine = try line(max: 1 << 10) else { throw Failure.connection("the answer ended inside a chunk") }
                let hex = sizeLine.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
                guard let size = Int(hex, radix: 16), size >= 0 else { throw Failure.notHTTP("a bad chunk size '\(sizeLine)'") }
                if size == 0 {
                    while let trailer = try line(max: 8 << 10), !trailer.isEmpty {}
                    return
                }
                try exactly(size, into: sink)
                _ = try line(max: 2)
            }
        }
    }
}
