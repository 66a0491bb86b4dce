import Foundation

/// Room for new disks.
public enum StorageSpace {
    /// The space free to ordinary writers on the file system that holds `directory`, or its nearest existing parent
    /// (a storage directory is made on first use); nil when it cannot be read.
    public static func freeMebibytes(under directory: String) -> Int? {
        var path = directory
        while !FileManager.default.fileExists(atPath: path) && path != "/" && !path.isEmpty {
            path = (path as NSString).deletingLastPathComponent
        }
        var stats = statvfs()
        guard statvfs(path.isEmpty ? "/" : path, &stats) == 0 else { return nil }
        return Int(UInt64(stats.f_bavail) * UInt64(stats.f_frsize) / 1_048_576)
    }
}
