import Foundation
import ImageKit
import Inventory
import Providers
import Provisioning

public typealias AppliancePlan = ApplianceImporter.Plan
public typealias ImportedAppliance = ApplianceImporter.Imported

/// Disk images: virtlab's images directory and libvirt's storage pools (`virtlab image …`, `virtlab ls`, the Images
/// pane), and appliances (.ova, .ovf) imported as VMs.
public enum Images {
    /// One image, from the directory, a pool or a path given by the user.
    public struct Row: Encodable, Sendable {
        public let name: String
        /// "images dir", "file" or "pool NAME".
        public let source: String
        public let path: String
        public let format: String
        public let virtualSize: UInt64
        public let sizeOnDisk: UInt64
        public let backingChain: [String]

        init(_ image: ImageSample) {
            name = image.name
            source = image.pool == LibvirtProvider.libraryLabel || image.pool == "file" ? image.pool : "pool \(image.pool)"
            path = image.path
            format = image.format ?? "unknown"
            virtualSize = image.capacityBytes
            sizeOnDisk = image.allocationBytes
            // The whole chain where the files are readable here; else the one backing file libvirt names.
            let chain = DiskImage.chain(path: image.path).dropFirst().map(\.path)
            backingChain = chain.isEmpty ? image.backingStore.map { [$0] } ?? [] : chain
        }
    }

    /// The directory's images, then every pool's on `host` (none: the directory's only).
    public static func rows(library: ImageLibrary, host: Hypervisor?) -> [Row] {
        LibvirtProvider.diskImages(connection: host?.connection, library: library).map(Row.init)
    }

    /// The image the user named (in the directory, or a path), as a row.
    public static func row(_ image: String, library: ImageLibrary) throws -> Row {
        let found = try library.find(image)
        let inLibrary = found.path.hasPrefix(library.directory + "/")
        return Row(ImageSample(found, source: inLibrary ? LibvirtProvider.libraryLabel : "file"))
    }
}

extension Hypervisor {
    /// What importing the appliance would do (its name and the commands that do the same), checked first.
    public func appliancePlan(_ file: String, name: String?) throws -> AppliancePlan {
        try ApplianceImporter(connection: connection).plan(file, name: name, storageDirectory: storageDirectory)
    }

    /// The appliance as a defined VM: its disks converted to qcow2; nothing left behind when it fails.
    public func importAppliance(_ file: String, name: String?, network: String?) throws -> ImportedAppliance {
        try ApplianceImporter(connection: connection).importAppliance(file, name: name, network: network,
                                                                      storageDirectory: storageDirectory)
    }

    /// Where new disks go on this host: libvirt's images directory (the user's, for a session daemon).
    var storageDirectory: String { CloudLauncher.defaultStorageDirectory(uri: uri) }
}
