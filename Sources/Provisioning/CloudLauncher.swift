import Foundation
import ImageKit
import Inventory
import VirtKit

/// What to make: a VM booting a copy-on-write overlay of a cloud image, configured by a NoCloud seed.
public struct LaunchSpec: Sendable {
    public var name: String
    /// The base image (qcow2 or raw); never written.
    public var image: DiskImage
    public var memoryMiB: Int = 1024
    public var vcpus: Int = 1
    public var user: String = "virtlab"
    /// The public key's text (one line).
    public var sshKey: String?
    /// user-data given by the user, used as it is instead of virtlab's.
    public var userData: String?
    /// A libvirt network; nil gives user-mode networking (no bridge needed, outbound only).
    public var network: String?
    public var accelerator: Accelerator
    /// For images without a bootloader: the kernel, initrd and command line to boot them with.
    public var kernel: String?
    public var initrd: String?
    public var kernelCommandLine: String?
    /// Where the overlay and the seed go.
    public var storageDirectory: String

    public init(name: String, image: DiskImage, accelerator: Accelerator, storageDirectory: String) {
        self.name = name
        self.image = image
        self.accelerator = accelerator
        self.storageDirectory = storageDirectory
    }
}

public struct Launched: Sendable, Equatable {
    public let name: String
    public let uuid: String
    public let overlay: String
    public let seed: String
    public let accelerator: Accelerator
}

/// Makes and starts VMs from cloud images. Any failure removes what it made: overlay, seed and domain.
public struct CloudLauncher {
    public let connection: Connection
    let tools = Tools()

    public init(connection: Connection) { self.connection = connection }

    /// Where overlays go by default: libvirt's image directory for the system daemon, the user's for a session.
    public static func defaultStorageDirectory(uri: String) -> String {
        DiskToAttach.defaultStorageDirectory(uri: uri, home: NSHomeDirectory())
    }

    public static let nameRule = "letters, digits, '.', '-' and '_' (up to 64)"

    static func validate(name: String) throws {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: ".-_"))
        guard !name.isEmpty, name.count <= 64, !name.hasPrefix("."), !name.hasPrefix("-"),
              name.unicodeScalars.allSatisfy({ allowed.contains($0) && $0.isASCII }) else {
            throw ProvisioningError("'\(name)' cannot be a VM name: use \(nameRule)")
        }
    }

    public func launch(_ requested: LaunchSpec) throws -> Launched {
        var spec = requested
        if spec.kernel == nil, let kit = BootKit(beside: spec.image.path) {
            (spec.kernel, spec.initrd, spec.kernelCommandLine) = (kit.kernel, kit.initrd, kit.commandLine)
        }
        let overlay = "\(spec.storageDirectory)/\(spec.name).qcow2"
        let seed = "\(spec.storageDirectory)/\(spec.name)-seed.iso"
        try connection.checkNewVM(named: spec.name, network: spec.network, files: [overlay, seed])
        guard spec.image.format == "qcow2" || spec.image.format == "raw" else {
            throw ProvisioningError("\(spec.image.path) is \(spec.image.format == "iso" ? "an ISO" : "not a disk image"); "
                + "a cloud image is a qcow2 or raw disk")
        }
        let leftovers = Leftovers()
        do {
            try FileManager.default.createDirectory(atPath: spec.storageDirectory, withIntermediateDirectories: true)
            // The overlay records the base's absolute path; QEMU only ever reads the base.
            let base = URL(fileURLWithPath: spec.image.path).standardizedFileURL.path
            leftovers.add(overlay)
            try tools.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", spec.image.format, "-b", base, overlay],
                          doing: "create the overlay \(overlay)")
            let userData = spec.userData ?? CloudSeed.userData(user: spec.user, sshKey: spec.sshKey)
            leftovers.add(seed)
            try CloudSeed(hostname: spec.name, userData: userData).write(to: seed, tools: tools)
            let uuid = UUID().uuidString.lowercased()
            try connection.defineAndStart(xml: Self.domainXML(spec, uuid: uuid, overlay: overlay, seed: seed))
            leftovers.keep()
            return Launched(name: spec.name, uuid: uuid, overlay: overlay, seed: seed, accelerator: spec.accelerator)
        } catch {
            leftovers.removeAll()
            if let error = error as? ProvisioningError { throw error }
            if let error = error as? LibvirtError, error.message.contains("No space left") {
                throw ProvisioningError("not enough space in \(spec.storageDirectory) for \(spec.name): "
                    + "\(error.message); nothing was left behind")
            }
            throw error
        }
    }

    /// Virtio disk and NIC, the seed as a read-only CD-ROM, a serial console to watch, and the guest agent channel.
    static func domainXML(_ spec: LaunchSpec, uuid: String, overlay: String, seed: String) -> String {
        let os = BootKit.osXML(kernel: spec.kernel, initrd: spec.initrd, commandLine: spec.kernelCommandLine)
        return DomainBlueprint(name: spec.name, uuid: uuid, memoryMiB: spec.memoryMiB, vcpus: spec.vcpus,
                               accelerator: spec.accelerator, os: os, metadata: InstanceMetadata(user: spec.user).xml,
                               disks: [.init(path: overlay, format: "qcow2", target: "vda"),
                                       .init(path: seed, format: "raw", target: "hdc", cdrom: true)],
                               networks: [spec.network]).xml
    }
}

/// A VM's libvirt XML as virtlab makes them (launch, OVA import): virtio disks and NICs, ACPI, a serial console
/// to watch, the guest agent's channel and a virtio RNG.
/// Where virtlab keeps what a VM's serial console prints (the VMs that boot something other than a cloud image:
/// imported appliances, installers), beside libvirt's own log of the VM.
public enum SerialLog {
    public static func path(of vm: String) -> String { "/var/log/libvirt/qemu/\(vm)-serial.log" }
}

struct DomainBlueprint {
    struct Disk {
        let path: String
        let format: String
        let target: String
        var cdrom = false
        /// virtio, or sata for an OS without virtio drivers.
        var bus = "virtio"
    }

    let name: String
    let uuid: String
    let memoryMiB: Int
    let vcpus: Int
    let accelerator: Accelerator
    /// The inside of `<os>`.
    let os: String
    var metadata = ""
    let disks: [Disk]
    /// One NIC each: on this libvirt network, or user-mode (nil: no bridge needed, outbound only).
    let networks: [String?]
    /// A file that keeps what the serial console prints.
    var serialLog: String?
    /// virtio, or e1000e for an OS without virtio drivers.
    var nicModel = "virtio"
    /// "efi" boots OVMF; nil is the machine's BIOS (SeaBIOS).
    var firmware: String?
    /// A screen (VGA, a VNC server listening nowhere: no port opens) for an installer to draw on.
    var display = false

    var xml: String {
        let x = escapeXML
        let disks = self.disks.map { disk in
            disk.cdrom
                ? "<disk type='file' device='cdrom'><driver name='qemu' type='\(x(disk.format))'/><source file='\(x(disk.path))'/>"
                    + "<target dev='\(x(disk.target))' bus='ide'/><readonly/></disk>"
                : "<disk type='file' device='disk'><driver name='qemu' type='\(x(disk.format))'/><source file='\(x(disk.path))'/>"
                    + "<target dev='\(x(disk.target))' bus='\(x(disk.bus))'/></disk>"
        }.joined(separator: "\n    ")
        let nics = networks.map { network in
            network.map { "<interface type='network'><source network='\(x($0))'/><model type='\(x(nicModel))'/></interface>" }
                ?? "<interface type='user'><model type='\(x(nicModel))'/></interface>"
        }.joined(separator: "\n    ")
        return """
            <domain type='\(accelerator.domainType)'>
              <name>\(x(name))</name>
              <uuid>\(uuid)</uuid>
              <memory unit='MiB'>\(memoryMiB)</memory>
              <vcpu>\(vcpus)</vcpu>
              \(metadata)
              <os\(firmware.map { " firmware='\(x($0))'" } ?? "")>\(os)</os>
              <features><acpi/></features>
              \(accelerator == .kvm ? "<cpu mode='host-passthrough'/>" : "")
              <devices>
                \(disks)
                \(nics)
                <serial type='pty'>\(serialLog.map { "<log file='\(x($0))' append='off'/>" } ?? "")<target port='0'/></serial>
                <console type='pty'><target type='serial' port='0'/></console>
                \(display ? "<graphics type='vnc'><listen type='none'/></graphics><video><model type='vga'/></video>" : "")
                <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
                <rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>
              </devices>
            </domain>
            """
    }
}

func escapeXML(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "'", with: "&apos;")
        .replacingOccurrences(of: "\"", with: "&quot;")
}

/// An image without a boot loader (built with debootstrap, or a cloud image whose kernel is published
/// separately) boots from a kernel kept beside it: `IMAGE.boot/vmlinuz`, `initrd.img` and `cmdline`.
public struct BootKit: Sendable, Equatable {
    public let kernel: String
    public let initrd: String?
    public let commandLine: String

    public init?(beside image: String) {
        let directory = image + ".boot"
        guard FileManager.default.fileExists(atPath: directory + "/vmlinuz") else { return nil }
        kernel = directory + "/vmlinuz"
        initrd = FileManager.default.fileExists(atPath: directory + "/initrd.img") ? directory + "/initrd.img" : nil
        commandLine = (try? String(contentsOfFile: directory + "/cmdline", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? Self.defaultCommandLine
    }

    /// The kernel's command line where none is given: the disk is the root, the serial port the console.
    static let defaultCommandLine = "root=/dev/vda console=ttyS0"

    /// A domain's `<os>` children: this kit's kernel, else the disk's own boot loader.
    static func osXML(_ kit: BootKit?) -> String {
        osXML(kernel: kit?.kernel, initrd: kit?.initrd, commandLine: kit?.commandLine)
    }

    static func osXML(kernel: String?, initrd: String?, commandLine: String?) -> String {
        var os = "<type arch='x86_64' machine='pc'>hvm</type>"
        guard let kernel else { return os + "<boot dev='hd'/>" }
        os += "<kernel>\(escapeXML(kernel))</kernel>"
        if let initrd { os += "<initrd>\(escapeXML(initrd))</initrd>" }
        return os + "<cmdline>\(escapeXML(commandLine ?? defaultCommandLine))</cmdline>"
    }
}
