import Foundation

/// virtlab's own directory of disk images (cloud images, templates), beside the ones libvirt pools hold.
public struct ImageLibrary: Sendable {
    public let directory: String

    public init(directory: String) { self.directory = directory }

    /// `VIRTLAB_IMAGES_DIR`, else `$XDG_DATA_HOME/virtlab/images`, else `~/.local/share/virtlab/images`.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let configured = environment["VIRTLAB_IMAGES_DIR"], !configured.isEmpty { return configured }
        let data = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.local/share"
        return data + "/virtlab/images"
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// Every disk image in the directory, by name; files that are not disk images and unfinished imports are left
    /// out. A missing directory is simply empty.
    public func images() -> [DiskImage] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().compactMap { name in
            var isDirectory: ObjCBool = false
            let path = directory + "/" + name
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                  let image = DiskImage.inspect(path: path), image.isDiskImage else { return nil }
            return image
        }
    }

    /// Finds an image by its name in the library, or by a path to any file.
    public func find(_ nameOrPath: String) throws -> DiskImage {
        let path = nameOrPath.contains("/") ? nameOrPath : directory + "/" + nameOrPath
        guard let image = DiskImage.inspect(path: path) else {
            throw Failure("no image \(nameOrPath)" + (nameOrPath.contains("/") ? ""
                : " in \(directory) ('virtlab image ls' lists them; 'virtlab image import FILE' adds one)"))
        }
        guard image.isDiskImage else {
            throw Failure("\(path) is not a disk image (no qcow2 or ISO header, no partition table or file system)")
        }
        return image
    }

    /// Copies a disk image into the library under `name` (default: the file's name). The copy is written under a
    /// hidden temporary name and renamed when complete, so a full disk or an interruption never leaves half an
    /// image that looks whole; an existing image is never replaced.
    @discardableResult
    public func importImage(from source: String, as name: String? = nil) throws -> DiskImage {
        guard let image = DiskImage.inspect(path: source) else { throw Failure("cannot read \(source)") }
        guard image.isDiskImage else {
            throw Failure("\(source) is not a disk image (no qcow2 or ISO header, no partition table or file system)")
        }
        let target = name ?? (source as NSString).lastPathComponent
        guard !target.isEmpty, !target.contains("/"), !target.hasPrefix(".") else {
            throw Failure("'\(target)' cannot be an image name: no slashes, not starting with a dot")
        }
        if image.format == "qcow2", let backing = image.backingFile {
            throw Failure("\(source) is an overlay on \(backing); import the base image, or flatten it first with "
                + "'qemu-img convert -O qcow2 \(source) FLAT.qcow2'")
        }
        let destination = directory + "/" + target
        guard !FileManager.default.fileExists(atPath: destination) else {
            throw Failure("an image named \(target) already exists in \(directory); pick another name with --name")
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw Failure("cannot create \(directory): \(error.localizedDescription)")
        }
        let partial = directory + "/.\(target).part"
        try? FileManager.default.removeItem(atPath: partial)
        do {
            try FileManager.default.copyItem(atPath: source, toPath: partial)
            // link(2) fails when the name exists, where rename(2) would silently replace it.
            guard link(partial, destination) == 0 else {
                throw Failure("an image named \(target) appeared in \(directory) meanwhile")
            }
            unlink(partial)
        } catch let failure as Failure {
            try? FileManager.default.removeItem(atPath: partial)
            throw failure
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw Failure("cannot copy \(source) into \(directory): \(error.localizedDescription); nothing was "
                + "imported")
        }
        return try find(target)
    }
}
