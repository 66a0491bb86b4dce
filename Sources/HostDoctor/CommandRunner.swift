import Foundation

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

public struct SystemCommandRunner: CommandRunning {
    public init() {}

    public func run(_ argv: [String]) -> CommandResult? { run(argv, environment: [:]) }

    /// Runs `argv` with `environment` added to virtlab's own.
    public func run(_ argv: [String], environment: [String: String]) -> CommandResult? {
        guard let program = argv.first, let executable = Self.find(program) else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(argv.dropFirst())
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        // Read both pipes before waiting, so a chatty helper cannot block on a full pipe.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self))
    }

    /// The program's path on PATH (plus the sbin directories, where admin tools live), or nil.
    public static func find(_ program: String) -> String? {
        if program.contains("/") { return FileManager.default.isExecutableFile(atPath: program) ? program : nil }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let dirs = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/local/sbin"]
        return dirs.lazy.map { "\($0)/\(program)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
