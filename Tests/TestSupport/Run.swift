import BlockingWork
import Foundation
import ProcessRunner

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

    @available(*, noasync, message: "await the async virtlab: a process waited for on a cooperative thread starves the tests beside it")
    public static func virtlab(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        try command([virtlabBinary] + arguments, environment: environment)
    }

    /// The same from an async test, waiting on a thread of its own: a test that held one of Swift's cooperative
    /// threads (two on a 2-core host) while a process ran would starve the tasks of the tests beside it.
    public static func virtlab(_ arguments: [String], environment: [String: String] = [:]) async throws -> Result {
        try await command([virtlabBinary] + arguments, environment: environment)
    }

    /// `command`, waiting on a thread of its own (see the async `virtlab`).
    public static func command(_ argv: [String], environment: [String: String] = [:], detached: Bool = false)
        async throws -> Result {
        try await BlockingPool.run { Swift.Result { try command(argv, environment: environment, detached: detached) } }.get()
    }

    /// Runs `argv` to completion through virtlab's process runner. With `detached`, output is not captured.
    @available(*, noasync, message: "await the async command: a process waited for on a cooperative thread starves the tests beside it")
    public static func command(_ argv: [String], environment: [String: String] = [:], detached: Bool = false)
        throws -> Result {
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "LIBVIRT_DEFAULT_URI")
        env.merge(environment) { $1 }
        let program = try locate(argv[0])
        if detached { return Result(status: wait(for: try spawn([program] + argv.dropFirst(), environment: env)), stdout: "", stderr: "") }
        let outcome = ProcessRunner.run([program] + argv.dropFirst(), environment: env)
        return Result(status: outcome.status, stdout: outcome.stdout, stderr: outcome.stderr)
    }

    /// Starts `argv` in the background with /dev/null for every stream and no blocked signals (the test
    /// runner's threads block signals; a child must not inherit that, or it never sees SIGWINCH or SIGTERM).
    public static func spawn(_ argv: [String], environment: [String: String] = ProcessInfo.processInfo.environment)
        throws -> pid_t {
        do { return try ProcessRunner.spawn(argv, environment: environment) } catch {
            throw Failure("cannot start \(argv[0]): \(error)")
        }
    }

    /// Waits for a spawned child and returns its exit status.
    @discardableResult
    public static func wait(for pid: pid_t) -> Int32 { ProcessRunner.wait(for: pid) }

    public static func locate(_ program: String) throws -> String {
        guard let found = ProcessRunner.find(program) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "\(program) (not on PATH)"])
        }
        return found
    }
}
