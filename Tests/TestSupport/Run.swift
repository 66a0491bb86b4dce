import Foundation
import HostDoctor

/// Runs programs from tests: the virtlab binary under test, or a helper such as qemu-img or ssh-keygen.
public enum Run {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    public struct Result: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    /// The `virtlab` binary SwiftPM built beside the test bundle.
    public static var virtlabBinary: String {
        let bundleDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [bundleDir, bundleDir.deletingLastPathComponent()].map { $0.appendingPathComponent("virtlab").path }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }

    public static func virtlab(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        try command([virtlabBinary] + arguments, environment: environment)
    }

    /// Runs `argv` to completion. With `detached`, output is not captured: for a command that leaves a daemon
    /// behind (tmux's server), which would otherwise hold the pipes open forever.
    public static func command(_ argv: [String], environment: [String: String] = [:], detached: Bool = false)
        throws -> Result {
        let process = Process()
        let program = argv[0]
        process.executableURL = URL(fileURLWithPath: program.contains("/") ? program : try locate(program))
        process.arguments = Array(argv.dropFirst())
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "LIBVIRT_DEFAULT_URI")
        env.merge(environment) { $1 }
        process.environment = env
        process.standardInput = FileHandle.nullDevice
        if detached { return try spawnAndWait([process.executableURL!.path] + argv.dropFirst(), environment: env) }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    /// posix_spawn with /dev/null for every stream and no blocked signals, then waitpid: Foundation's Process
    /// left tmux's client a zombie here once it had forked the server.
    static func spawnAndWait(_ argv: [String], environment: [String: String]) throws -> Result {
        Result(status: wait(for: try spawn(argv, environment: environment)), stdout: "", stderr: "")
    }

    /// Starts `argv` in the background with /dev/null for every stream and no blocked signals (the test
    /// runner's threads block signals; a child must not inherit that, or it never sees SIGWINCH or SIGTERM).
    public static func spawn(_ argv: [String], environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        let program = argv[0].contains("/") ? argv[0] : try locate(argv[0])
        let args = ([program] + argv.dropFirst()).map { strdup($0) } + [nil]
        let env = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (args + env).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, program, &actions, &attributes, args, env)
        guard spawned == 0 else { throw Failure("cannot start \(program): \(String(cString: strerror(spawned)))") }
        return pid
    }

    /// Waits for a spawned child and returns its exit status.
    @discardableResult
    public static func wait(for pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status >> 8) & 0xff
    }

    public static func locate(_ program: String) throws -> String {
        guard let found = SystemCommandRunner.find(program) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "\(program) (not on PATH)"])
        }
        return found
    }
}
