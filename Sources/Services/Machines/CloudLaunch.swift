import Foundation
import ImageKit
import Provisioning
import VirtKit

public typealias LaunchSpec = Provisioning.LaunchSpec
public typealias Launched = Provisioning.Launched
public typealias Accelerator = Provisioning.Accelerator
public typealias DiskImage = ImageKit.DiskImage
public typealias ImageLibrary = ImageKit.ImageLibrary

/// A VM from a cloud image, as `virtlab vm create` and the dashboard's launch wizard both make it: a
/// copy-on-write overlay on the image, a cloud-init seed with the user's key (or the user's own user-data),
/// started.
public enum CloudLaunch {
    /// What the user asked for; files are named, not read yet.
    public struct Request: Sendable {
        public var name: String
        public var memoryMiB = 1024
        public var vcpus = 1
        public var user = "virtlab"
        public var sshKeyFile: String?
        public var userDataFile: String?
        public var network: String?
        /// nil: KVM where it works, else TCG.
        public var accelerator: Accelerator?
        public var kernel: String?
        public var initrd: String?
        public var kernelCommandLine: String?
        /// nil: the connection's default storage directory.
        public var storageDirectory: String?

        public init(name: String) { self.name = name }
    }

    /// The launch, with the key and user-data files read and checked: refused in one line before anything is made.
    public static func spec(_ request: Request, image: DiskImage, uri: String) throws -> LaunchSpec {
        var spec = LaunchSpec(name: request.name, image: image, accelerator: request.accelerator ?? .best(),
                              storageDirectory: request.storageDirectory ?? CloudLauncher.defaultStorageDirectory(uri: uri))
        spec.memoryMiB = request.memoryMiB
        spec.vcpus = request.vcpus
        spec.user = request.user
        spec.network = request.network
        spec.kernel = request.kernel
        spec.initrd = request.initrd
        spec.kernelCommandLine = request.kernelCommandLine
        if let file = request.sshKeyFile { spec.sshKey = try PublicKeyFile.line(file) }
        if let file = request.userDataFile { spec.userData = try userData(file) }
        return spec
    }

    /// Makes and starts the VM; nothing half-made stays behind when it fails (the launcher cleans up).
    public static func launch(_ spec: LaunchSpec, on host: Hypervisor) throws -> Launched {
        do { return try CloudLauncher(connection: host.connection).launch(spec) } catch let error as ProvisioningError {
            throw UserFacingError(error.description)
        }
    }

    static func userData(_ file: String) throws -> String {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw UserFacingError("cannot read the user-data file \(file)")
        }
        guard text.hasPrefix("#cloud-config") || text.hasPrefix("#!") || text.hasPrefix("Content-Type") else {
            throw UserFacingError("\(file) is not cloud-init user-data: it must start with #cloud-config (or #! for a script)")
        }
        return text
    }
}
