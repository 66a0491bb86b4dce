import Foundation
import HostDoctor
import Logging
import Synchronization

/// virtlab's log file, `$XDG_STATE_HOME/virtlab/virtlab.log`: never the terminal (the TUI owns it).
public struct LogFile: Sendable {
    public let path: String

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        path = StateDirectory.path(environment) + "/virtlab.log"
    }

    /// A swift-log logger that appends to the file.
    public func logger(label: String) -> Logger {
        let file = FileLogHandler.SharedFile(path: path)
        return Logger(label: label) { label in FileLogHandler(label: label, file: file) }
    }

    /// While the dashboard owns the terminal, whatever a library prints on standard error (libxml2's parse
    /// errors, libvirt's defaults) goes to the log, not across the screen. Returns the way back.
    public func captureStandardError() -> () -> Void {
        let saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3)
        let target = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        guard saved >= 0, target >= 0 else { return {} }
        dup2(target, STDERR_FILENO)
        close(target)
        return {
            dup2(saved, STDERR_FILENO)
            close(saved)
        }
    }
}

/// swift-log's handler for a file: one line per message, `TIME LEVEL label: message key=value`.
struct FileLogHandler: LogHandler {
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    let label: String
    let file: SharedFile

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        let pairs = all.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
        file.append("\(event.level) \(label): \(event.message)\(pairs)")
    }

    /// The open file, shared by every copy of the handler (swift-log copies handlers with their logger).
    final class SharedFile: Sendable {
        private let handle: Mutex<FileHandle?>
        private let stamp = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

        init(path: String) {
            try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                     withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
            let handle = FileHandle(forWritingAtPath: path)
            _ = try? handle?.seekToEnd()
            self.handle = Mutex(handle)
        }

        func append(_ line: String) {
            let text = "\(Date().formatted(stamp)) \(line)\n"
            handle.withLock { try? $0?.write(contentsOf: Data(text.utf8)) }
        }
    }
}
