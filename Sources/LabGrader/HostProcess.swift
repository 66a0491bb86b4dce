import Foundation
import LabFormat

/// What running a command produced. Output is capped; `truncated` says when more was thrown away.
public struct ProcessOutcome: Sendable, Equatable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var timedOut: Bool
    public var truncated: Bool
}

/// Runs commands on this host for checks: argv directly (never through a shell unless the lab says
/// `shell:`), in a process group of their own so a timeout kills everything they started.
public enum HostProcess {
    public static let outputCap = 64 * 1024

    public static func run(_ command: CommandSpec, timeout: Double) -> ProcessOutcome {
        let argv = command.words
        var outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        guard pipe(&outPipe) == 0, pipe(&errPipe) == 0 else {
            return ProcessOutcome(status: -1, stdout: "", stderr: "cannot create a pipe", timedOut: false, truncated: false)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        for fd in outPipe + errPipe { posix_spawn_file_actions_addclose(&actions, fd) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))
        let args = argv.map { strdup($0) } + [nil]
        defer { args.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, argv[0], &actions, &attributes, args, environ)
        close(outPipe[1])
        close(errPipe[1])
        defer {
            close(outPipe[0])
            close(errPipe[0])
        }
        guard spawned == 0 else {
            return ProcessOutcome(status: 127, stdout: "", stderr: "\(argv[0]): \(String(cString: strerror(spawned)))",
                                  timedOut: false, truncated: false)
        }
        var out = Data(), err = Data()
        var truncated = false, timedOut = false
        var open = [outPipe[0], errPipe[0]]
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 16384)
        while !open.isEmpty {
            let remaining = deadline.timeIntervalSinceNow
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
                // Keep the first part of the output; drain and drop the rest so the command never blocks.
                if entry.fd == outPipe[0] {
                    if out.count < outputCap { out.append(buffer, count: min(count, outputCap - out.count)) }
                    if out.count >= outputCap { truncated = true }
                } else {
                    if err.count < outputCap { err.append(buffer, count: min(count, outputCap - err.count)) }
                    if err.count >= outputCap { truncated = true }
                }
            }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exit: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return ProcessOutcome(status: exit, stdout: String(decoding: out, as: UTF8.self),
                              stderr: String(decoding: err, as: UTF8.self), timedOut: timedOut, truncated: truncated)
    }

    /// How a command reads in a report, with where it runs when that is not the host.
    public static func describe(_ command: CommandSpec, on target: Target) -> String {
        (target == .host ? "" : "[\(target)] ") + describe(command)
    }

    /// How a command reads in a report.
    public static func describe(_ command: CommandSpec) -> String {
        switch command {
        case .argv(let words): words.map { $0.contains(" ") || $0.isEmpty ? "'\($0)'" : $0 }.joined(separator: " ")
        case .shell(let line): "sh -c '\(line)'"
        }
    }
}
