import BlockingWork
import Foundation
import HostDoctor

/// The Docker Engine API over a Unix socket: the same calls serve Docker and Podman's compatible service.
///
/// Container names go into request paths percent-encoded and commands travel as JSON arrays; nothing is ever
/// pasted into a shell.
public struct EngineClient: Sendable {
    /// The API version virtlab speaks: the first with one-shot stats (Docker 20.10, Podman 3).
    public static let apiVersion = "1.41"

    public let endpoint: EngineEndpoint
    private let http: UnixHTTP

    public init(endpoint: EngineEndpoint) {
        self.endpoint = endpoint
        self.http = UnixHTTP(socketPath: endpoint.socketPath)
    }

    /// Resolves the socket, asks the engine who it is, and refuses an engine whose API is too old.
    public static func connect(environment: [String: String] = ProcessInfo.processInfo.environment) async throws
        -> (EngineClient, EngineVersion)
    {
        let client = EngineClient(endpoint: try EngineEndpoint.resolve(environment: environment))
        return (client, try await client.checkedVersion())
    }

    public func checkedVersion() async throws -> EngineVersion {
        // A socket that is missing or refuses is said at once, in the socket's own words.
        let socket = EngineSocket.probe(path: endpoint.socketPath)
        guard socket.accepts else {
            throw EngineError(.noEngine, "cannot reach the container engine at \(endpoint.socketPath): "
                + "\(socket.problem ?? "it refuses connections"); is its service running?")
        }
        // GET /_ping, not /version: Podman answers /version from its full `info` (store locks, conmon and runtime
        // versions, package queries), which a busy engine can keep waiting for many seconds; the ping carries the
        // API version and the engine's name in its headers, as Docker's and Podman's answers all do.
        let headers: [String: String]
        do {
            headers = try await request(.GET, "/_ping", versioned: false, timeout: Self.pingWait).headers
        } catch let error as EngineError where error.kind == .notFound || error.kind == .failed {
            throw notAnEngine(error.message)
        } catch let error as EngineError where error.kind == .timedOut {
            // A busy engine is slow, not something else: say so rather than calling it a stranger.
            throw EngineError(.timedOut, "the engine at \(endpoint.socketPath) accepted the connection but did not "
                + "answer GET /_ping within \(Self.pingWait.components.seconds) s; is it overloaded?")
        } catch let error as EngineError where error.kind == .noEngine {
            // Something accepted the connection but did not speak HTTP sensibly: a socket, but not an engine's.
            guard EngineSocket.probe(path: endpoint.socketPath).accepts else { throw error }
            throw notAnEngine("it does not answer GET /_ping over HTTP")
        }
        guard let version = EngineVersion(pingHeaders: headers) else {
            throw notAnEngine("its answer to GET /_ping has no API-Version")
        }
        guard Self.isAtLeast(version.apiVersion, Self.apiVersion) else {
            throw EngineError(.tooOld, "the engine at \(endpoint.socketPath) (\(version.product) \(version.version)) "
                + "speaks API \(version.apiVersion); virtlab needs \(Self.apiVersion) or newer "
                + "(Docker 20.10, Podman 3 or later)")
        }
        return version
    }

    // MARK: Containers

    public func containers(includeStopped: Bool = true) async throws -> [ContainerSummary] {
        try await decode([ContainerSummary].self, .GET, "/containers/json", query: ["all": includeStopped ? "1" : "0"])
    }

    /// How a container was made to run: with a terminal and open stdin (an interactive shell) or not.
    public func interactivity(_ container: String) async throws -> (tty: Bool, openStdin: Bool) {
        struct Inspect: Decodable {
            struct Config: Decodable { let Tty: Bool?; let OpenStdin: Bool? }
            let Config: Config?
        }
        let config = try await decode(Inspect.self, .GET, "/containers/\(escaped(container))/json").Config
        return (config?.Tty ?? false, config?.OpenStdin ?? false)
    }

    public func stats(_ container: String) async throws -> ContainerStats {
        try await decode(ContainerStats.self, .GET, "/containers/\(escaped(container))/stats",
                         query: ["stream": "false", "one-shot": "true"])
    }

    /// Creates (does not start) a container; returns its id.
    public func create(_ spec: ContainerSpec) async throws -> String {
        struct Config: Encodable {
            let Image: String
            let Cmd: [String]?
            let Tty: Bool
            let OpenStdin: Bool
            let Labels: [String: String]
            let ExposedPorts: [String: [String: String]]
            let HostConfig: Host
        }
        struct Host: Encodable {
            let PortBindings: [String: [Binding]]
            let Binds: [String]
        }
        struct Binding: Encodable { let HostIp: String, HostPort: String }
        struct Created: Decodable { let Id: String }
        var bindings: [String: [Binding]] = [:]
        for port in spec.ports {
            bindings["\(port.port)/\(port.proto)", default: []].append(Binding(HostIp: port.hostIP, HostPort: "\(port.hostPort)"))
        }
        let config = Config(Image: spec.image, Cmd: spec.command.isEmpty ? nil : spec.command, Tty: spec.interactive,
                            OpenStdin: spec.interactive, Labels: spec.labels,
                            ExposedPorts: bindings.mapValues { _ in [:] },
                            HostConfig: Host(PortBindings: bindings, Binds: spec.volumes))
        return try await decode(Created.self, .POST, "/containers/create", query: ["name": spec.name],
                                json: config).Id
    }

    public func start(_ container: String) async throws {
        _ = try await send(.POST, "/containers/\(escaped(container))/start")
    }

    /// Asks the main process to stop, and kills it after `graceSeconds`.
    public func stop(_ container: String, graceSeconds: Int = 10) async throws {
        _ = try await send(.POST, "/containers/\(escaped(container))/stop", query: ["t": "\(graceSeconds)"],
                           timeout: .seconds(Int64(graceSeconds)) + Self.requestWait)
    }

    public func restart(_ container: String, graceSeconds: Int = 10) async throws {
        _ = try await send(.POST, "/containers/\(escaped(container))/restart", query: ["t": "\(graceSeconds)"],
                           timeout: .seconds(Int64(graceSeconds)) + Self.requestWait)
    }

    public func pause(_ container: String) async throws {
        _ = try await send(.POST, "/containers/\(escaped(container))/pause")
    }

    public func unpause(_ container: String) async throws {
        _ = try await send(.POST, "/containers/\(escaped(container))/unpause")
    }

    /// Removes a container; `force` kills a running one first.
    public func remove(_ container: String, force: Bool = false) async throws {
        _ = try await send(.DELETE, "/containers/\(escaped(container))", query: ["force": force ? "1" : "0"])
    }

    /// The last `tail` lines of a container's output, stdout and stderr kept apart.
    public func logs(_ container: String, tail: Int = 500, limit: Int = 1 << 20) async throws -> OutputFrames {
        try await stream(.GET, "/containers/\(escaped(container))/logs",
                         query: ["stdout": "1", "stderr": "1", "tail": "\(tail)"], timeout: Self.requestWait, limit: limit)
    }

    /// Runs `argv` inside a running container without a terminal and waits for it, output capped at `limit`.
    public func exec(_ container: String, _ argv: [String], timeout: Duration = .seconds(30),
                     limit: Int = 64 * 1024) async throws -> ExecResult
    {
        let mark = ExecMark()
        let id = try await createExec(container, argv, terminal: false, environment: [mark.variable])
        let frames: OutputFrames
        do {
            frames = try await stream(.POST, "/exec/\(id)/start", json: ["Detach": false, "Tty": false], timeout: timeout,
                                      limit: limit)
        } catch let error as EngineError where error.kind == .timedOut {
            await killExec(id, marked: mark)
            throw EngineError(.timedOut, "'\(argv.first ?? "")' in container \(container) outlived its time and was killed")
        }
        let exitCode = try await execExitCode(id)
        return ExecResult(exitCode: exitCode, stdout: String(decoding: frames.stdout, as: UTF8.self),
                          stderr: String(decoding: frames.stderr, as: UTF8.self), truncated: frames.truncated)
    }

    /// The API cannot stop an exec; the engine is local (a Unix socket), so its process is signalled directly.
    /// The engine's word for which process that is cannot be trusted: Podman, when the client hangs up before
    /// it has attached, records the exec as failed (exit 125, no PID) while the command runs on. The process is
    /// found by the mark in its environment instead, with the PID the engine reports as a second way. A busy
    /// engine may not have started it yet when the time is up: it is looked for, at most `startBound`, so that
    /// it never starts afterwards and runs on unkilled.
    private func killExec(_ execID: String, marked mark: ExecMark, startBound: Duration = .seconds(120)) async {
        struct Inspect: Decodable { let Pid: Int32?; let Running: Bool? }
        let deadline = ContinuousClock.now + startBound
        while true {
            let marked = mark.processes()
            marked.forEach { kill($0, SIGKILL) }
            if !marked.isEmpty { return }
            if let inspect = try? await decode(Inspect.self, .GET, "/exec/\(escaped(execID))/json"),
               let pid = inspect.Pid, pid > 1
            {
                if inspect.Running == true { kill(pid, SIGKILL) }
                return
            }
            guard ContinuousClock.now < deadline else { return }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Makes an exec instance (not started); `terminal` asks for a pseudo-terminal with stdin attached.
    public func createExec(_ container: String, _ argv: [String], terminal: Bool,
                           environment: [String] = []) async throws -> String {
        struct Config: Encodable {
            let Cmd: [String]
            let Env: [String]
            let AttachStdin: Bool
            let AttachStdout = true
            let AttachStderr = true
            let Tty: Bool
        }
        struct Created: Decodable { let Id: String }
        return try await decode(Created.self, .POST, "/containers/\(escaped(container))/exec",
                                json: Config(Cmd: argv, Env: environment, AttachStdin: terminal, Tty: terminal)).Id
    }

    public func execExitCode(_ execID: String) async throws -> Int32 {
        struct Inspect: Decodable { let ExitCode: Int32?; let Running: Bool? }
        // The engine may take a moment to record the exit after the stream ends.
        for _ in 0 ..< 50 {
            let inspect = try await decode(Inspect.self, .GET, "/exec/\(escaped(execID))/json")
            if inspect.Running != true, let code = inspect.ExitCode { return code }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        throw EngineError(.timedOut, "the engine did not report how the command ended")
    }

    /// Tells the engine the size of an exec's terminal.
    public func resizeExec(_ execID: String, rows: Int, columns: Int) async throws {
        _ = try await send(.POST, "/exec/\(escaped(execID))/resize", query: ["h": "\(rows)", "w": "\(columns)"])
    }

    // MARK: Images

    public func images() async throws -> [ContainerImage] {
        try await decode([ContainerImage].self, .GET, "/images/json")
    }

    /// Makes the image `reference` (REPOSITORY:TAG) from a root file system as a tarball (tar, tar.gz), as
    /// `podman import --change 'CMD …'` does; `command` is what its containers run unless told otherwise.
    public func importImage(rootFileSystem file: String, as reference: String, command: [String]) async throws {
        let colon = reference.lastIndex(of: ":").flatMap { reference[$0...].contains("/") ? nil : $0 }
        let (repository, tag) = colon.map { (String(reference[..<$0]), String(reference[reference.index(after: $0)...])) }
            ?? (reference, "latest")
        var query = ["fromSrc": "-", "repo": repository, "tag": tag]
        if !command.isEmpty, let json = try? JSONEncoder().encode(command) { query["changes"] = "CMD " + String(decoding: json, as: UTF8.self) }
        let target = target("/images/create", query: query, versioned: true)
        let http = http
        let response = try await perform("/images/create") {
            try await BlockingPool.run {
                try http.exchange("POST", target, upload: (file, "application/x-tar"), timeout: .seconds(600))
            }
        }
        try check(response, path: "/images/create")
        // The answer is a stream of progress objects; a failure after the upload arrives as one with "error".
        struct Progress: Decodable { let error: String? }
        for line in response.body.split(separator: UInt8(ascii: "\n")) {
            if let error = (try? JSONDecoder().decode(Progress.self, from: Data(line)))?.error {
                throw EngineError(.failed, "importing \(file) as \(reference): \(error)")
            }
        }
    }

    // MARK: Transport

    enum Method: String { case GET, POST, DELETE }

    private func decode<T: Decodable>(_ type: T.Type, _ method: Method, _ path: String,
                                      query: [String: String] = [:], json: (any Encodable)? = nil) async throws -> T {
        let body = try await send(method, path, query: query, json: json)
        do {
            return try JSONDecoder().decode(T.self, from: body)
        } catch {
            throw EngineError(.failed, "the engine at \(endpoint.socketPath) sent an answer to \(path) that virtlab "
                + "cannot read (\(error))")
        }
    }

    /// The request line's target: the versioned path, percent-encoded, and the query.
    private func target(_ path: String, query: [String: String], versioned: Bool) -> String {
        var components = URLComponents()
        components.path = (versioned ? "/v\(Self.apiVersion)" : "") + path
        if !query.isEmpty { components.queryItems = query.sorted { $0.key < $1.key }.map(URLQueryItem.init) }
        // URLComponents leaves "+" alone in queries; the engine would read it as a space.
        return components.percentEncodedPath + (components.percentEncodedQuery.map {
            "?" + $0.replacingOccurrences(of: "+", with: "%2B")
        } ?? "")
    }

    /// How long the ping may take before the engine is called overloaded: it takes no locks, so this is generous.
    static let pingWait = Duration.seconds(30)
    /// How long any other request may take: a listing waits for the engine's store lock while an image is imported
    /// or a container stops, and a loaded machine stretches that; past this the engine is wedged, not slow.
    static let requestWait = Duration.seconds(60)

    /// One request; the whole body (up to 64 MiB) on success, a typed error otherwise.
    private func send(_ method: Method, _ path: String, query: [String: String] = [:],
                      json: (any Encodable)? = nil, versioned: Bool = true,
                      timeout: Duration = requestWait) async throws -> Data {
        try await request(method, path, query: query, json: json, versioned: versioned, timeout: timeout).body
    }

    /// One request; the whole answer, headers too, on success, a typed error otherwise.
    private func request(_ method: Method, _ path: String, query: [String: String] = [:],
                         json: (any Encodable)? = nil, versioned: Bool = true,
                         timeout: Duration) async throws -> UnixHTTP.Response {
        let target = target(path, query: query, versioned: versioned)
        let body = try json.map { try JSONEncoder().encode($0) }
        let http = http
        let response = try await perform(path) {
            try await BlockingPool.run { try http.exchange(method.rawValue, target, json: body, timeout: timeout) }
        }
        try check(response, path: path)
        return response
    }

    /// One request whose body is output to split as it arrives (logs, an exec's), all of it within `timeout`.
    private func stream(_ method: Method, _ path: String, query: [String: String] = [:],
                        json: (any Encodable)? = nil, timeout: Duration, limit: Int) async throws -> OutputFrames {
        let target = target(path, query: query, versioned: true)
        let body = try json.map { try JSONEncoder().encode($0) }
        let http = http
        let (response, frames) = try await perform(path) {
            try await BlockingPool.run {
                var frames = OutputFrames(limit: limit)
                let response = try http.exchange(method.rawValue, target, json: body, timeout: timeout) { frames.append($0) }
                frames.finish()
                return (response, frames)
            }
        }
        try check(response, path: path)
        return frames
    }

    private func perform<T>(_ path: String, _ work: () async throws -> T) async throws -> T {
        // The engine stopped and took its socket with it: say so in those words.
        guard FileManager.default.fileExists(atPath: endpoint.socketPath) else {
            throw EngineError(.noEngine, "cannot reach the container engine at \(endpoint.socketPath): "
                + "\(endpoint.socketPath) does not exist; is its service running?")
        }
        do {
            return try await work()
        } catch UnixHTTP.Failure.timedOut {
            throw EngineError(.timedOut, "the engine at \(endpoint.socketPath) did not answer \(path) in time")
        } catch {
            // The socket's state is what the user can act on; the transport's words come after it.
            let probe = EngineSocket.probe(path: endpoint.socketPath)
            let reason = probe.problem ?? "the connection failed (\(error))"
            throw EngineError(.noEngine, "cannot reach the container engine at \(endpoint.socketPath): \(reason); "
                + "is its service running?")
        }
    }

    /// 2xx and 304 (already in that state) succeed; otherwise the engine's own message, typed by status.
    private func check(_ response: UnixHTTP.Response, path: String) throws {
        let status = response.status
        if status < 300 || status == 304 { return }
        struct Problem: Decodable { let message: String }
        let text = (try? JSONDecoder().decode(Problem.self, from: response.body))?.message
            ?? String(decoding: response.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let message = text.isEmpty ? "\(path): HTTP \(status) \(response.reason)" : text
        // Podman answers some clashes and misses with 500; its message still says which.
        switch status {
        case 404: throw EngineError(.notFound, message)
        case 409: throw EngineError(.conflict, message)
        case _ where message.contains("already in use"): throw EngineError(.conflict, message)
        case _ where message.lowercased().contains("no such"): throw EngineError(.notFound, message)
        default: throw EngineError(.failed, message)
        }
    }

    private func notAnEngine(_ detail: String) -> EngineError {
        EngineError(.notAnEngine, "\(endpoint.socketPath) answers, but not as a Docker-compatible engine "
            + "(\(detail)); point DOCKER_HOST at the engine's API socket")
    }

    private func escaped(_ segment: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove("/")
        return segment.addingPercentEncoding(withAllowedCharacters: allowed) ?? segment
    }

    static func isAtLeast(_ version: String, _ minimum: String) -> Bool {
        let parts = { (text: String) in text.split(separator: ".").map { Int($0) ?? 0 } }
        return parts(version).lexicographicallyPrecedes(parts(minimum)) == false
    }
}
