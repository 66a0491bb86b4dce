import Foundation

/// Reads host files under a root (normally "/"; a fixture directory in tests), keeping why a read failed.
public struct HostFiles: Sendable {
    public let root: String

    public init(root: String = "/") { self.root = root }

    public func path(_ absolute: String) -> String {
        root == "/" ? absolute : (root as NSString).appendingPathComponent(absolute)
    }

    public func exists(_ absolute: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path(absolute), isDirectory: &isDirectory)
    }

    /// The file's text, or why it could not be read ("no such file", "permission denied", ...).
    public func read(_ absolute: String) -> Result<String, ReadFailure> {
        let full = path(absolute)
        let fd = open(full, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(ReadFailure(path: absolute, errno: errno)) }
        defer { Foundation.close(fd) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = Foundation.read(fd, &buffer, buffer.count)
            if count < 0 { return .failure(ReadFailure(path: absolute, errno: errno)) }
            if count == 0 { break }
            data.append(buffer, count: count)
            if data.count > 16 << 20 { break }  // /proc files are small; never read a runaway file whole
        }
        return .success(String(decoding: data, as: UTF8.self))
    }

    /// The last part of where a symbolic link points (sysfs names a device's driver and IOMMU group that way).
    public func linkName(_ absolute: String) -> String? {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: path(absolute))).map { ($0 as NSString).lastPathComponent }
    }

    public func list(_ absoluteDirectory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path(absoluteDirectory))) ?? []).sorted()
    }
}

public struct ReadFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public let path: String
    public let errno: Int32
    public var description: String {
        switch errno {
        case ENOENT: "\(path) does not exist"
        case EACCES, EPERM: "\(path) is not readable (permission denied)"
        default: "\(path): \(String(cString: strerror(errno)))"
        }
    }
}

/// Where virtlab's data files (labs, themes) are looked for, as the XDG base directory spec has it: the user's
/// `$XDG_DATA_HOME/virtlab` (else `~/.local/share/virtlab`), then each of `$XDG_DATA_DIRS` (else
/// `/usr/local/share:/usr/share`) with `/virtlab` — where `make install` and the package put them.
public enum DataDirectories {
    public static func search(_ folder: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        let system = environment["XDG_DATA_DIRS"].flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/local/share:/usr/share"
        var seen = Set<String>()
        return ([user(folder, environment: environment)] + system.split(separator: ":").map { "\($0)/virtlab/\(folder)" })
            .filter { seen.insert($0).inserted }
    }

    /// The user's own: `$XDG_DATA_HOME/virtlab/FOLDER`, else `~/.local/share/virtlab/FOLDER`.
    public static func user(_ folder: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let home = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "\(environment["HOME"] ?? NSHomeDirectory())/.local/share"
        return "\(home)/virtlab/\(folder)"
    }
}

/// Where virtlab keeps what it learns on this host (logs, saved grades, guests' host keys):
/// `$XDG_STATE_HOME/virtlab`, else `~/.local/state/virtlab`.
public enum StateDirectory {
    public static func path(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let state = environment["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "\(environment["HOME"] ?? NSHomeDirectory())/.local/state"
        return state + "/virtlab"
    }
}
