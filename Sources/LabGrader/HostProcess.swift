import Foundation
import LabFormat
import ProcessRunner

/// Runs commands on this host for checks through the process runner: argv directly (never through a shell
/// unless the lab says `shell:`), output capped, killed with everything they started at the timeout.
public enum HostProcess {
    public static let outputCap = 64 * 1024

    public static func run(_ command: CommandSpec, timeout: Double) -> ProcessOutcome {
        ProcessRunner.run(command.words, timeout: timeout, outputCap: outputCap)
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
