import Foundation

/// What running a program produced. Output beyond the cap is drained and dropped; `truncated` says so.
public struct ProcessOutcome: Sendable, Equatable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var timedOut: Bool
    public var truncated: Bool

    public init(status: Int32, stdout: String, stderr: String, timedOut: Bool = false, truncated: Bool = false) {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
        self.timedOut = timedOut
        self.truncated = truncated
    }
}

/// The one way virtlab runs a program on this host: an argument list (never a shell line unless the caller
/// builds `sh -c` itself), posix_spawn with stdin from /dev/null (or a file given) and no blocked signals (the
/// callers' threads may block some; a child must not inherit that), in a process group of its own so a timeout kills
/// everything it started. Used by the host doctor, the lab grader and the tests.
public enum ProcessRunner {
    /// Runs `argv` to the end (or the timeout) and returns its status and output.
    /// - environment: the child's whole environment; nil inherits virtlab's.
    /// - outputCap: bytes kept per stream; nil keeps everything.
    /// - inputFile: a file the program reads as its standard input; nil: /dev/null.
    public static func run(_ argv: [String], timeout: Double? = nil, environment: [String: String]? = nil,
                           outputCap: Int? = nil, inputFile: String? = nil) -> ProcessOutcome {
        guard let program = argv.first, let executable = find(program) else {
            return ProcessOutcome(status: 127, stdout: "", stderr: "\(argv.first ?? "?"): not found")
        }
        var outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        guard pipe(&outPipe) == 0, pipe(&errPipe) == 0 else {
            return ProcessOutcome(status: -1, stdout: "", stderr: "cannot create a pipe")
        }
        let spawned = spawn([executable] + argv.dropFirst(), environment: environment, stdout: outPipe[1],
                            stderr: errPipe[1], closing: outPipe + errPipe, newGroup: true, stdin: inputFile)
        close(outPipe[1])
        close(errPipe[1])
        defer {
            close(outPipe[0])
            close(errPipe[0])
        }
        guard case .success(let pid) = spawned else {
            if case .failure(let error) = spawned { return ProcessOutcome(status: 127, stdout: "", stderr: "\(program): \(error)") }
            return ProcessOutcome(status: 127, stdout: "", stderr: program)
        }
        let cap = outputCap ?? .max
        var out = Data(), err = Data()
        var truncated = false, timedOut = false
        var open = [outPipe[0], errPipe[0]]
        let deadline = timeout.map { Date().addingTimeInterval($0) }
        var buffer = [UInt8](repeating: 0, count: 16384)
        while !open.isEmpty {
            let remaining = deadline?.timeIntervalSinceNow ?? 3600
            if remaining <= 0 {
                timedOut = true
                kill(-pid, SIGKILL)  // the whole group: a shell and everything it started
                break
            }
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            _ = poll(&fds, nfds_t(fds.count), Int32(min(remaining, 0.5) * 1000) + 1)
            for entry in fds where entry.revents != 0 {
                let count = read(entry.fd, &buffer, buffer.count)
                if count <= 0 {
                    open.removeAll { $0 == entry.fd }
                    continue
                }
                // Keep the first part of the output; drain and drop the rest so the program never blocks.
                if entry.fd == outPipe[0] {
                    if out.count < cap { out.append(buffer, count: min(count, cap - out.count)) } else { truncated = true }
                } else {
                    if err.count < cap { err.append(buffer, count: min(count, cap - err.count)) } else { truncated = true }
                }
            }
        }
        return ProcessOutcome(status: wait(for: pid), stdout: String(decoding: out, as: UTF8.self),
                              stderr: String(decoding: err, as: UTF8.self), timedOut: timedOut, truncated: truncated)
    }

    /// Starts `argv` in the background with /dev/null for every stream: for a daemon or a helper whose output
    /// nobody reads (a pipe left open would keep a reader waiting forever).
    public static func spawn(_ argv: [String], environment: [String: String]? = nil) throws -> pid_t {
        guard let program = argv.first, let executable = find(program) else {
            throw SpawnError(description: "\(argv.first ?? "?"): not found on PATH")
        }
        return try spawn([executable] + argv.dropFirst(), environment: environment, stdout: nil, stderr: nil, closing: [],
                         newGroup: false).get()
    }

    /// Runs `argv` on virtlab's own terminal (stdin, stdout and stderr inherited) and returns its exit status:
    /// for an interactive program such as `ssh`. Ctrl-C goes to the program alone while it runs.
    public static func runAttached(_ argv: [String]) throws -> Int32 {
        guard let program = argv.first, let executable = find(program) else {
            throw SpawnError(description: "\(argv.first ?? "?"): not found on PATH")
        }
        let previous = signal(SIGINT, SIG_IGN)
        defer { signal(SIGINT, previous) }
        let pid = try spawn([executable] + argv.dropFirst(), environment: nil, stdout: nil, stderr: nil, closing: [],
                            newGroup: false, attached: true).get()
        return wait(for: pid)
    }

    /// Waits for a spawned child; its exit status, or 128 + the signal that ended it.
    @discardableResult
    public static func wait(for pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// The program's path on PATH (plus the sbin directories, where admin tools live), or nil.
    public static func find(_ program: String) -> String? {
        if program.contains("/") { return FileManager.default.isExecutableFile(atPath: program) ? program : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let dirs = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/local/sbin"]
        return dirs.lazy.map { "\($0)/\(program)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    public struct SpawnError: Error, CustomStringConvertible {
        public let description: String
    }

    private static func spawn(_ argv: [String], environment: [String: String]?, stdout: Int32?, stderr: Int32?,
                              closing: [Int32], newGroup: Bool, attached: Bool = false,
                              stdin: String? = nil) -> Result<pid_t, SpawnError> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if !attached {
            posix_spawn_file_actions_addopen(&actions, 0, stdin ?? "/dev/null", O_RDONLY, 0)
            if let stdout { posix_spawn_file_actions_adddup2(&actions, stdout, 1) } else {
                posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            }
            if let stderr { posix_spawn_file_actions_adddup2(&actions, stderr, 2) } else {
                posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
            }
        }
        for fd in closing { posix_spawn_file_actions_addclose(&actions, fd) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var flags = Int32(POSIX_SPAWN_SETSIGMASK)
        if newGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        let args = argv.map { strdup($0) } + [nil]
        let env = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { (args + (env ?? [])).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = env.map { posix_spawn(&pid, argv[0], &actions, &attributes, args, $0) }
            ?? posix_spawn(&pid, argv[0], &actions, &attributes, args, environ)
        guard spawned == 0 else { return .failure(SpawnError(description: String(cString: strerror(spawned)))) }
        return .success(pid)
    }
}
