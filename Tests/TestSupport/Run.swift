import Foundation
import HostDoctor

/// Runs programs from tests: the virtlab binary under test, or a helper such as qemu-img or ssh-keygen.
public enum Run {
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

    public static func command(_ argv: [String], environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        let program = argv[0]
        process.executableURL = URL(fileURLWithPath: program.contains("/") ? program : try locate(program))
        process.arguments = Array(argv.dropFirst())
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "LIBVIRT_DEFAULT_URI")
        env.merge(environment) { $1 }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    static func locate(_ program: String) throws -> String {
        guard let found = SystemCommandRunner.find(program) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "\(program) (not on PATH)"])
        }
        return found
    }
}
