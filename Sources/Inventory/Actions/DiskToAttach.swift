import Foundation

/// A disk to attach: a new qcow2 file of `newSizeGiB` (made first), or an existing image (nil).
public struct DiskToAttach: Sendable, Equatable {
    public let path: String
    /// The guest's device name: vdb, vdc, ...
    public let target: String
    public let newSizeGiB: Int?

    public init(path: String, target: String, newSizeGiB: Int?) {
        self.path = path
        self.target = target
        self.newSizeGiB = newSizeGiB
    }

    /// A new qcow2 of `sizeGiB` named after the VM and its target, beside the VM's first disk (in the connection's
    /// default storage directory when it has none).
    public static func new(sizeGiB: Int, for vm: String, target: String, besideDisk first: String?, uri: String,
                           home: String) -> DiskToAttach {
        let directory = first.map { ($0 as NSString).deletingLastPathComponent } ?? defaultStorageDirectory(uri: uri, home: home)
        return DiskToAttach(path: "\(directory)/\(vm)-\(target).qcow2", target: target, newSizeGiB: sizeGiB)
    }

    /// Where new disks go by default: libvirt's image directory for the system daemon, the user's (under
    /// `home`) for a session.
    public static func defaultStorageDirectory(uri: String, home: String) -> String {
        uri.hasSuffix("/session") ? home + "/.local/share/libvirt/images" : "/var/lib/libvirt/images"
    }

    /// The first virtio disk name not taken: vdb after vda; nil when vdb to vdz are all taken.
    public static func nextTarget(after taken: [String]) -> String? {
        "bcdefghijklmnopqrstuvwxyz".map { "vd\($0)" }.first { !taken.contains($0) }
    }

    public var summary: String { newSizeGiB.map { "a new \($0) GiB disk" } ?? (path as NSString).lastPathComponent }
}
