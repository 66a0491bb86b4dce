import CHostSystem
import Foundation
import Glibc

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
    ///
    /// The run ends when the program has exited and its output is read, never on end-of-file alone: a daemon
    /// the program leaves behind (a tmux server, an ssh master) may hold the pipes open for ever. What it still
    /// writes within `outputGrace` after the program's exit is kept.
    public static func run(_ argv: [String], timeout: Double? = nil, environment: [String: String]? = nil,
                           outputCap: Int? = nil, inputFile: String? = nil) -> ProcessOutcome {
        guard let program = argv.first, let executable = find(program) else {
            return ProcessOutcome(status: 127, stdout: "", stderr: "\(argv.first ?? "?"): not found")
        }
        // Close-on-exec: a program another thread starts meanwhile must not inherit these ends.
        var outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1]
        guard vl_pipe_cloexec(&outPipe) == 0, vl_pipe_cloexec(&errPipe) == 0 else {
            (outPipe + errPipe).filter { $0 >= 0 }.forEach { close($0) }
            return ProcessOutcome(status: -1, stdout: "", stderr: "cannot create a pipe: \(String(cString: strerror(errno)))")
        }
        let spawned = spawn([executable] + argv.dropFirst(), environment: environment, stdout: outPipe[1],
                            stderr: errPipe[1], newGroup: true, stdin: inputFile)
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
        var output = Output(cap: outputCap ?? .max, stdout: outPipe[0], stderr: errPipe[0])
        let deadline = timeout.map { ContinuousClock.now + .milliseconds(Int64($0 * 1000)) }
        var exited: Int32?
        var timedOut = false
        var drainUntil: ContinuousClock.Instant?
        while !output.open.isEmpty {
            let now = ContinuousClock.now
            if exited == nil, let deadline, now >= deadline {
                timedOut = true
                kill(-pid, SIGKILL)  // the whole group: a shell and everything it started
                exited = wait(for: pid)
            }
            if exited != nil && drainUntil == nil { drainUntil = now + outputGrace }
            if let drainUntil, now >= drainUntil { break }
            // While the program runs, look at it now and then (its pipes may outlive it); after, wait for output.
            var wake = drainUntil ?? now + exitCheckInterval
            if exited == nil, let deadline { wake = min(wake, deadline) }
            output.read(waitingAtMost: wake - now)
            if exited == nil { exited = reaped(pid) }
        }
        return ProcessOutcome(status: exited ?? wait(for: pid), stdout: String(decoding: output.stdout, as: UTF8.self),
                              stderr: String(decoding: output.stderr, as: UTF8.self), timedOut: timedOut,
                              truncated: output.truncated)
    }

    /// How long output is still read once the program has exited, when something else holds its pipes open.
    static let outputGrace = Duration.milliseconds(200)
    /// How often a running program is looked at while its pipes say nothing.
    static let exitCheckInterval = Duration.milliseconds(50)

    /// The exit status of `pid` if it has exited (and reaps it), else nil.
    private static func reaped(_ pid: pid_t) -> Int32? {
        var status: Int32 = 0
        var result: pid_t
        repeat { result = waitpid(pid, &status, WNOHANG) } while result < 0 && errno == EINTR
        guard result == pid else { return nil }
        return exitStatus(status)
    }

    /// Both output streams of a running program, read as they come; beyond the cap drained and dropped.
    private struct Output {
        let cap: Int
        let stdoutEnd: Int32
        var stdout = Data(), stderr = Data()
        var open: [Int32]
        var truncated = false
        private var buffer = [UInt8](repeating: 0, count: 16384)

        init(cap: Int, stdout: Int32, stderr: Int32) {
            self.cap = cap
            stdoutEnd = stdout
            open = [stdout, stderr]
        }

        /// Waits up to `wait` for output and reads what came.
        mutating func read(waitingAtMost wait: Duration) {
            let milliseconds = max(0, Int32(clamping: wait.components.seconds * 1000
                                             + wait.components.attoseconds / 1_000_000_000_000_000 + 1))
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            guard poll(&fds, nfds_t(fds.count), milliseconds) > 0 else { return }
            for entry in fds where entry.revents != 0 {
                let count = Glibc.read(entry.fd, &buffer, buffer.count)
                if count <= 0 {
                    open.removeAll { $0 == entry.fd }
                    continue
                }
                // Keep the first part of the output; drain and drop the rest so the program never blocks.
                let kept = entry.fd == stdoutEnd ? stdout.count : stderr.count
                guard kept < cap else {
                    truncated = true
                    continue
                }
                if entry.fd == stdoutEnd { stdout.append(buffer, count: min(count, cap - kept)) } else {
                    stderr.append(buffer, count: min(count, cap - kept))
                }
            }
        }
    }

    /// Starts `argv` in the background with /dev/null for every stream: for a daemon or a helper whose output
    /// nobody reads (a pipe left open would keep a reader waiting forever).
    public static func spawn(_ argv: [String], environment: [String: String]? = nil) throws -> pid_t {
        guard let program = argv.first, let executable = find(program) else {
            throw SpawnError(description: "\(argv.first ?? "?"): not found on PATH")
        }
        return try spawn([executable] + argv.dropFirst(), environment: environment, stdout: nil, stderr: nil,
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
        let pid = try spawn([executable] + argv.dropFirst(), environment: nil, stdout: nil, stderr: nil,
                            newGroup: false, attached: true).get()
        return wait(for: pid)
    }

    /// Waits for a spawned child; its exit status, or 128 + the signal that ended it.
    @discardableResult
    public static func wait(for pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return exitStatus(status)
    }

    private static func exitStatus(_ status: Int32) -> Int32 {
        (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
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
                              newGroup: Bool, attached: Bool = false,
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
        // The child keeps 0-2 only: no descriptor of virtlab's (a pipe of another run, a socket) leaks into it.
        vl_spawn_closefrom(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        // Ignored signals are inherited: virtlab ignores SIGPIPE (see VirtKit's Libvirt) and SIGINT while a
        // program runs attached, but the child must have the defaults (`producer | head` ends the producer).
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        sigaddset(&defaults, SIGINT)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
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
