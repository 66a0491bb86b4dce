import Foundation
import ImageKit
import VirtKit

/// A VM a lab's environment declares: a new empty disk, or a copy-on-write overlay on an image; NICs on the
/// networks named; marked with the lab and student that made it.
public struct LabMachineSpec: Sendable {
    public enum Disk: Sendable {
        case empty(mebibytes: Int)
        case overlay(DiskImage)
    }

    public let name: String
    public let memoryMiB: Int
    public let vcpus: Int
    public let disk: Disk
    public let networks: [String]
    public let mark: LabMark
    public let storageDirectory: String
    /// The cloud-init seed its first boot reads, as a CD-ROM beside the disk…
    public let seed: CloudSeed?
    /// …and the user it makes, whom `virtlab vm ssh` logs in as.
    public let user: String?

    public init(name: String, memoryMiB: Int, vcpus: Int, disk: Disk, networks: [String], mark: LabMark, storageDirectory: String,
                seed: CloudSeed? = nil, user: String? = nil) {
        (self.name, self.memoryMiB, self.vcpus, self.disk, self.networks, self.mark, self.storageDirectory, self.seed, self.user)
            = (name, memoryMiB, vcpus, disk, networks, mark, storageDirectory, seed, user)
    }

    /// Where its disk goes.
    public var diskPath: String { "\(storageDirectory)/\(name).qcow2" }
    /// Where its seed goes, when it has one.
    public var seedPath: String? { seed.map { _ in "\(storageDirectory)/\(name)-seed.iso" } }

    /// The qemu-img line that makes its disk, as a learner would type it.
    public var diskCommand: [String] {
        switch disk {
        case .empty(let mebibytes): ["qemu-img", "create", "-f", "qcow2", diskPath, "\(mebibytes)M"]
        case .overlay(let image): ["qemu-img", "create", "-f", "qcow2", "-F", image.format, "-b", image.path, diskPath]
        }
    }
}

/// Makes (defines, does not start) the VMs of a lab's environment. A failure leaves nothing behind: no disk, no
/// definition.
public struct LabMachineBuilder {
    public let connection: Connection
    let tools = Tools()

    public init(connection: Connection) { self.connection = connection }

    /// Makes the disk and defines the VM; returns its UUID.
    public func define(_ spec: LabMachineSpec) throws -> String {
        try CloudLauncher.validate(name: spec.name)
        for path in [spec.diskPath] + (spec.seedPath.map { [$0] } ?? []) where FileManager.default.fileExists(atPath: path) {
            throw ProvisioningError("\(path) already exists and the lab did not make it; remove it or pick another name")
        }
        if case .overlay(let image) = spec.disk, image.format != "qcow2" && image.format != "raw" {
            throw ProvisioningError("\(image.path) is not a disk image (\(image.format)); a machine's image is a qcow2 or raw disk")
        }
        let leftovers = Leftovers()
        do {
            try FileManager.default.createDirectory(atPath: spec.storageDirectory, withIntermediateDirectories: true)
            leftovers.add(spec.diskPath)
            _ = try tools.run(spec.diskCommand, doing: "create the disk \(spec.diskPath)")
            var disks: [DomainBlueprint.Disk] = [.init(path: spec.diskPath, format: "qcow2", target: "vda")]
            if let seed = spec.seed, let seedPath = spec.seedPath {
                leftovers.add(seedPath)
                try seed.write(to: seedPath, tools: tools)
                disks.append(.init(path: seedPath, format: "raw", target: "hdc", cdrom: true))
            }
            let uuid = UUID().uuidString.lowercased()
            // An image without a boot loader (a debootstrap-built cloud image) boots the kernel kept beside it.
            let bootKit: BootKit? = if case .overlay(let image) = spec.disk { BootKit(beside: image.path) } else { nil }
            let blueprint = DomainBlueprint(name: spec.name, uuid: uuid, memoryMiB: spec.memoryMiB, vcpus: spec.vcpus,
                                            accelerator: .best(), os: BootKit.osXML(bootKit),
                                            metadata: "<metadata>\(spec.mark.element)\(spec.user.map { InstanceMetadata(user: $0).element } ?? "")</metadata>",
                                            disks: disks,
                                            networks: spec.networks)
            _ = try connection.define(xml: blueprint.xml)
            leftovers.keep()
            return uuid
        } catch {
            leftovers.removeAll()
            throw error
        }
    }
}
