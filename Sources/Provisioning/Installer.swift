import Foundation
import ImageKit
import VirtKit

/// A VM made as virt-manager's first screen offers: installed from an ISO, imported from a disk that already has an
/// operating system, or booted from the network (PXE). Its size and devices are chosen by the caller from what the
/// OS needs (osinfo-db); this makes the disk, defines and starts it, and leaves nothing behind when that fails.
public struct InstallSpec: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        /// Boots the installer on this ISO image (a CD-ROM), then the new disk.
        case iso(String)
        /// Boots this disk as it is (no new disk, no installer).
        case importDisk(String)
        /// Boots from the network first (a PXE server on this libvirt network), then the new disk.
        case pxe(network: String)

        /// ISO and PXE make a new disk; an import boots the one it is given.
        public var makesDisk: Bool {
            if case .importDisk = self { return false }
            return true
        }
    }

    public var name: String
    public var source: Source
    public var memoryMiB: Int
    public var vcpus: Int
    /// The new disk's virtual size (ISO and PXE).
    public var diskGiB: Int
    /// virtio disk and NIC where the OS has the drivers, else SATA and e1000e.
    public var virtio: Bool
    public var uefi: Bool
    /// The NIC's network (ISO and import); nil is user-mode networking. PXE uses its own network.
    public var network: String?
    /// The devices it boots from, in order ("cdrom", "hd", "network"); nil: the source's own (the CD or the network
    /// first, then the disk).
    public var bootOrder: [String]?
    public var accelerator: Accelerator
    public var storageDirectory: String

    public init(name: String, source: Source, memoryMiB: Int, vcpus: Int, diskGiB: Int, virtio: Bool, uefi: Bool,
                network: String?, accelerator: Accelerator, storageDirectory: String) {
        (self.name, self.source, self.memoryMiB, self.vcpus, self.diskGiB) = (name, source, memoryMiB, vcpus, diskGiB)
        (self.virtio, self.uefi, self.network, self.accelerator) = (virtio, uefi, network, accelerator)
        self.storageDirectory = storageDirectory
    }

    /// The disk it boots from: the imported one, else the one it makes.
    public var diskPath: String {
        if case .importDisk(let path) = source { return path }
        return "\(storageDirectory)/\(name).qcow2"
    }


    /// The source's own boot order: its installer first, then the disk it installs onto.
    var defaultBootOrder: [String] {
        switch source {
        case .iso: ["cdrom", "hd"]
        case .importDisk: ["hd"]
        case .pxe: ["network", "hd"]
        }
    }

    public static let bootDevices = ["hd", "cdrom", "network"]

    /// The network its NIC is on: PXE's own, else the one asked for (nil: user-mode networking).
    var nicNetwork: String? {
        if case .pxe(let network) = source { return network }
        return network
    }

    /// The same VM as `virt-install` makes it.
    public func virtInstall(osShortID: String?, uri: String) -> [String] {
        let bus = virtio ? "virtio" : "sata"
        var line = ["virt-install", "--connect", uri, "--name", name, "--memory", "\(memoryMiB)", "--vcpus", "\(vcpus)",
                    "--osinfo", osShortID ?? "detect=on,require=off", "--virt-type", accelerator.domainType]
        switch source {
        case .iso(let iso):
            line += ["--cdrom", iso, "--disk", "path=\(diskPath),size=\(diskGiB),format=qcow2,bus=\(bus)"]
        case .importDisk(let disk):
            line += ["--import", "--disk", "path=\(disk),bus=\(bus)"]
        case .pxe:
            line += ["--pxe", "--disk", "path=\(diskPath),size=\(diskGiB),format=qcow2,bus=\(bus)"]
        }
        let model = virtio ? "virtio" : "e1000e"
        line += ["--network", nicNetwork.map { "network=\($0),model=\(model)" } ?? "user,model=\(model)"]
        let boot = (uefi ? ["uefi"] : []) + (bootOrder.map { [$0.joined(separator: ",")] } ?? [])
        if !boot.isEmpty { line += ["--boot", boot.joined(separator: ",")] }
        return line + ["--graphics", "vnc,listen=none", "--serial", "pty,log.file=\(SerialLog.path(of: name))", "--noautoconsole"]
    }
}

public struct Installed: Sendable, Equatable {
    public let name: String
    public let uuid: String
    public let disk: String
    /// What its serial console prints, kept.
    public var serialLog: String { SerialLog.path(of: name) }
}

public struct Installer {
    public let connection: Connection
    let tools = Tools()

    public init(connection: Connection) { self.connection = connection }

    public func create(_ spec: InstallSpec) throws -> Installed {
        try connection.checkNewVM(named: spec.name, network: spec.nicNetwork, files: spec.source.makesDisk ? [spec.diskPath] : [])
        switch spec.source {
        case .iso(let iso):
            guard FileManager.default.fileExists(atPath: iso) else {
                throw ProvisioningError("no ISO image at \(iso): give the path of the installer's .iso file")
            }
        case .importDisk(let disk):
            guard let image = DiskImage.inspect(path: disk), image.format == "qcow2" || image.format == "raw" else {
                throw ProvisioningError(FileManager.default.fileExists(atPath: disk)
                    ? "\(disk) is not a qcow2 or raw disk image: --import boots a disk that has an OS on it"
                    : "no disk image at \(disk): give the path of a qcow2 or raw disk with an OS on it")
            }
            if let owner = connection.vmsWriting(disk).first {
                throw ProvisioningError("\(disk) is the disk of the VM \(owner): two VMs writing one disk corrupt it; "
                    + "clone \(owner) instead (virtlab vm clone \(owner) \(spec.name))")
            }
        case .pxe(let network):
            try Self.checkNetworkBoots(try connection.network(named: network))
        }
        let leftovers = Leftovers()
        do {
            if spec.source.makesDisk {
                try FileManager.default.createDirectory(atPath: spec.storageDirectory, withIntermediateDirectories: true)
                leftovers.add(spec.diskPath)
                try tools.run(["qemu-img", "create", "-q", "-f", "qcow2", spec.diskPath, "\(spec.diskGiB)G"],
                              doing: "create the disk \(spec.diskPath)")
            }
            let uuid = UUID().uuidString.lowercased()
            try connection.defineAndStart(xml: Self.domainXML(spec, uuid: uuid))
            leftovers.keep()
            return Installed(name: spec.name, uuid: uuid, disk: spec.diskPath)
        } catch {
            leftovers.removeAll()
            throw error
        }
    }

    /// A network libvirt serves itself must hand out addresses and a boot file for a PXE client to get anywhere; on a
    /// bridge to the host's LAN the PXE server is someone else's, and libvirt cannot tell.
    static func checkNetworkBoots(_ network: VirtualNetwork) throws {
        guard ["nat", "route", "open", "isolated"].contains(network.forwardMode) else { return }
        let edit = "add <dhcp> with <bootp file='pxelinux.0'/> and a <tftp root='DIR'/> to its <ip> (virsh net-edit \(network.name))"
        if network.dhcpRanges.isEmpty {
            throw ProvisioningError("network \(network.name) has no DHCP server, so a PXE boot gets no address: \(edit)")
        }
        if network.bootFile == nil {
            throw ProvisioningError("network \(network.name)'s DHCP names no boot file, so a PXE boot finds nothing to load: \(edit)")
        }
    }

    static func domainXML(_ spec: InstallSpec, uuid: String) -> String {
        let bus = spec.virtio ? "virtio" : "sata"
        let target = spec.virtio ? "vda" : "sda"
        let format: String
        if case .importDisk(let disk) = spec.source { format = DiskImage.inspect(path: disk)?.format ?? "raw" } else { format = "qcow2" }
        var disks = [DomainBlueprint.Disk(path: spec.diskPath, format: format, target: target, bus: bus)]
        if case .iso(let iso) = spec.source { disks.append(.init(path: iso, format: "raw", target: "hdc", cdrom: true)) }
        let boot = spec.bootOrder ?? spec.defaultBootOrder
        var blueprint = DomainBlueprint(name: spec.name, uuid: uuid, memoryMiB: spec.memoryMiB, vcpus: spec.vcpus,
                                        accelerator: spec.accelerator,
                                        os: "<type arch='x86_64' machine='pc'>hvm</type>" + boot.map { "<boot dev='\($0)'/>" }.joined(),
                                        disks: disks, networks: [spec.nicNetwork])
        blueprint.nicModel = spec.virtio ? "virtio" : "e1000e"
        blueprint.firmware = spec.uefi ? "efi" : nil
        blueprint.display = true
        // An installer's boot is worth reading afterwards, as an appliance's is.
        blueprint.serialLog = SerialLog.path(of: spec.name)
        return blueprint.xml
    }
}
