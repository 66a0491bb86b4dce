import Foundation

/// The app's log: a file under `$XDG_STATE_HOME/virtlab/`, never the terminal (the TUI owns it).
final class FileLog: @unchecked Sendable {
    let path: String
    private let handle: FileHandle?
    private let lock = NSLock()
    private let formatter: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let state = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "\(environment["HOME"] ?? NSHomeDirectory())/.local/state"
        let dir = "\(state)/virtlab"
        path = "\(dir)/virtlab.log"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        handle = FileHandle(forWritingAtPath: path)
        _ = try? handle?.seekToEnd()
    }

    func write(_ line: String) {
        lock.lock()
        let stamp = formatter.string(from: Date())
        defer { lock.unlock() }
        try? handle?.write(contentsOf: Data("\(stamp) \(line)\n".utf8))
    }

    /// While the dashboard owns the terminal, whatever a library prints on standard error (libxml2's parse
    /// errors, libvirt's defaults) goes to the log, not across the screen. Returns the way back.
    func captureStandardError() -> () -> Void {
        let saved = dup(STDERR_FILENO)
        let target = open(path, O_WRONLY | O_APPEND)
        guard saved >= 0, target >= 0 else { return {} }
        dup2(target, STDERR_FILENO)
        close(target)
        return {
            dup2(saved, STDERR_FILENO)
            close(saved)
        }
    }
}
