import Foundation
import ImageKit
import Inventory
import VirtKit

/// A VM a lab's environment declares: a new empty disk, a copy-on-write overlay on an image, or an appliance's
/// disks converted to qcow2; NICs on the networks named; marked with the lab and student that made it.
public struct LabMachineSpec: Sendable {
    public enum Disk: Sendable {
        case empty(mebibytes: Int)
        case overlay(DiskImage)
        /// An OVA (or an OVF with its disks beside it), planned by `ApplianceImporter.plan` under the VM's name.
        case appliance(path: String, ApplianceImporter.Plan)
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

    /// Where its disks go, the boot disk first.
    public var diskPaths: [String] {
        if case .appliance(_, let plan) = disk { return plan.targets }
        return ["\(storageDirectory)/\(name).qcow2"]
    }
    /// Where its seed goes, when it has one.
    public var seedPath: String? { seed.map { _ in "\(storageDirectory)/\(name)-seed.iso" } }

    /// The qemu-img words that make a new disk or an overlay (an appliance's disks are converted instead).
    var createArguments: [String]? {
        switch disk {
        case .empty(let mebibytes): ["qemu-img", "create", "-f", "qcow2", diskPaths[0], "\(mebibytes)M"]
        case .overlay(let image): ["qemu-img", "create", "-f", "qcow2", "-F", image.format, "-b", image.path, diskPaths[0]]
        case .appliance: nil
        }
    }

    /// The commands that make its disks, as a learner would type them.
    public var diskCommand: String {
        switch disk {
        case .empty, .overlay: ShellWords.line(createArguments ?? [])
        // The import plan's last line defines a VM of the appliance's own; this one is defined as the lab declares.
        case .appliance(_, let plan): plan.commands.dropLast().joined(separator: " && ")
        }
    }
}

/// Makes (defines, does not start) the VMs of a lab's environment. A failure leaves nothing behind: no disk, no
/// definition.
public struct LabMachineBuilder {
    public let connection: Connection
    let tools = Tools()

    public init(connection: Connection) { self.connection = connection }

    /// Makes the disks and defines the VM; returns its UUID.
    public func define(_ spec: LabMachineSpec) throws -> String {
        try CloudLauncher.validate(name: spec.name)
        for path in spec.diskPaths + (spec.seedPath.map { [$0] } ?? []) where FileManager.default.fileExists(atPath: path) {
            throw ProvisioningError("\(path) already exists and the lab did not make it; remove it or pick another name")
        }
        if case .overlay(let image) = spec.disk, image.format != "qcow2" && image.format != "raw" {
            throw ProvisioningError("\(image.path) is not a disk image (\(image.format)); a machine's image is a qcow2 or raw disk")
        }
        let leftovers = Leftovers()
        do {
            try FileManager.default.createDirectory(atPath: spec.storageDirectory, withIntermediateDirectories: true)
            var disks: [DomainBlueprint.Disk]
            switch spec.disk {
            case .appliance(let path, let plan):
                try ApplianceImporter(connection: connection).convertDisks(of: path, plan, storageDirectory: spec.storageDirectory).keep()
                for target in plan.targets { leftovers.add(target) }
                disks = ApplianceImporter.disks(plan)
            case .empty, .overlay:
                leftovers.add(spec.diskPaths[0])
                _ = try tools.run(spec.createArguments ?? [], doing: "create the disk \(spec.diskPaths[0])")
                disks = [.init(path: spec.diskPaths[0], format: "qcow2", target: "vda")]
            }
            if let seed = spec.seed, let seedPath = spec.seedPath {
                leftovers.add(seedPath)
                try seed.write(to: seedPath, tools: tools)
                disks.append(.init(path: seedPath, format: "raw", target: "hdc", cdrom: true))
            }
            let uuid = UUID().uuidString.lowercased()
            // An image without a boot loader (a debootstrap-built cloud image) boots the kernel kept beside it.
            let bootKit: BootKit? = if case .overlay(let image) = spec.disk { BootKit(beside: image.path) } else { nil }
            let serialLog: String? = if case .appliance = spec.disk { SerialLog.path(of: spec.name) } else { nil }
            let blueprint = DomainBlueprint(name: spec.name, uuid: uuid, memoryMiB: spec.memoryMiB, vcpus: spec.vcpus,
                                            accelerator: .best(), os: BootKit.osXML(bootKit),
                                            metadata: "<metadata>\(spec.mark.element)\(spec.user.map { InstanceMetadata(user: $0).element } ?? "")</metadata>",
                                            disks: disks,
                                            networks: spec.networks,
                                            // An appliance prints to its serial console first, as an imported one does.
                                            serialLog: serialLog)
            _ = try connection.define(xml: blueprint.xml)
            leftovers.keep()
            return uuid
        } catch {
            leftovers.removeAll()
            throw error
        }
    }
}
