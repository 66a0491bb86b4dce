import Foundation
import ProcessRunner

/// Runs a helper program (argv, never a shell string) and captures its output.
public struct CommandResult: Sendable, Equatable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

public protocol CommandRunning: Sendable {
    /// nil when the program is not installed.
    func run(_ argv: [String]) -> CommandResult?
}

/// The host's programs, through virtlab's one process runner.
public struct SystemCommandRunner: CommandRunning {
    public init() {}

    public func run(_ argv: [String]) -> CommandResult? { run(argv, environment: [:]) }

    /// Runs `argv` with `environment` added to virtlab's own.
    public func run(_ argv: [String], environment: [String: String]) -> CommandResult? {
        guard let program = argv.first, ProcessRunner.find(program) != nil else { return nil }
        let outcome = ProcessRunner.run(argv, environment: environment.isEmpty ? nil
                                            : ProcessInfo.processInfo.environment.merging(environment) { $1 })
        return CommandResult(status: outcome.status, stdout: outcome.stdout, stderr: outcome.stderr)
    }
}
