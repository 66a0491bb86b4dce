import Foundation
import Humanize
import Provisioning

public typealias InstallSpec = Provisioning.InstallSpec
public typealias Installed = Provisioning.Installed

/// A new VM from an installer ISO, an existing disk or the network (`vm create --iso|--import|--pxe`), sized as
/// virt-install sizes one: from what osinfo-db says the OS needs — detected from the ISO's volume names, or named
/// with --os — never under its minimum without saying so, virtio only where the OS has the drivers, one vCPU under
/// TCG.
public enum NewMachine {
    public struct Request: Sendable {
        public var name: String
        public var source: InstallSpec.Source
        /// An osinfo-db short ID; nil: detected from an ISO, else generic defaults.
        public var os: String?
        public var memoryMiB: Int?
        public var vcpus: Int?
        public var diskGiB: Int?
        public var uefi = false
        public var network: String?
        /// The devices to boot from, in order (hd, cdrom, network); nil: the installer first, then the disk.
        public var bootOrder: [String]?
        /// nil: KVM where it works, else TCG.
        public var accelerator: Accelerator?
        public var storageDirectory: String?

        public init(name: String, source: InstallSpec.Source) {
            self.name = name
            self.source = source
        }
    }

    /// The VM as it will be made, and what was decided for the user.
    public struct Plan: Sendable {
        public let spec: InstallSpec
        public let os: OperatingSystem?
        /// How the OS was known ("detected from the volume name 'Debian 11.5.0 amd64 n'", "--os").
        public let osSource: String?
        /// What the user should know: sizes under the OS's minimum, an OS osinfo-db does not know.
        public let notes: [String]

        public func virtInstall(uri: String) -> [String] { spec.virtInstall(osShortID: os?.shortID, uri: uri) }
    }

    static let generic = (memoryMiB: 1024, vcpus: 1, diskGiB: 20)

    public static func plan(_ request: Request, catalog: OSCatalog, uri: String) throws -> Plan {
        var notes: [String] = []
        var os: OperatingSystem?
        var osSource: String?
        if let id = request.os {
            guard let named = catalog.system(id) else {
                throw UserFacingError("osinfo-db knows no OS '\(id)': see 'virtlab os list \(id.prefix(4))' for the short IDs")
            }
            (os, osSource) = (named, "--os \(id)")
        } else if case .iso(let iso) = request.source {
            if let names = ISONames.read(iso) {
                if !names.bootable {
                    notes.append("\(iso) has no El Torito boot record: the VM will not boot from it (an installer ISO is bootable)")
                }
                os = catalog.detect(names)
                osSource = os.map { _ in "detected from the volume name '\(names.volumeID)'" }
                if os == nil {
                    notes.append("osinfo-db knows no OS by the volume name '\(names.volumeID)': generic sizes "
                                 + "(\(Units.bytes(Double(generic.memoryMiB) * 1_048_576)), \(generic.diskGiB) GiB, virtio); name it with --os ID")
                }
            } else if FileManager.default.fileExists(atPath: iso) {
                throw UserFacingError("\(iso) is not an ISO 9660 image: --iso takes an installer's .iso file")
            }
            // A missing file is said by the installer, with its path.
        } else {
            notes.append("no OS given: generic sizes (\(Units.bytes(Double(generic.memoryMiB) * 1_048_576)), \(generic.diskGiB) GiB, virtio); "
                         + "name it with --os ID for its own")
        }
        let accelerator = request.accelerator ?? .best()
        let minimumMiB = os?.minimum.memoryBytes.map { Int($0 >> 20) }
        let memory = request.memoryMiB ?? max(minimumMiB ?? 0, os?.recommended.memoryBytes.map { Int($0 >> 20) } ?? generic.memoryMiB)
        if let minimumMiB, memory < minimumMiB, let os {
            notes.append("\(Units.bytes(Double(memory) * 1_048_576)) is under \(os.name)'s minimum of \(Units.bytes(Double(minimumMiB) * 1_048_576)): it may not install or boot")
        }
        // Under TCG one vCPU, as virt-install does: more only share the same emulation thread's time.
        let wantedCPUs = max(os?.minimum.cpus ?? 1, os?.recommended.cpus ?? 1)
        let vcpus = request.vcpus ?? (accelerator == .tcg ? 1 : wantedCPUs)
        if request.vcpus == nil, accelerator == .tcg, wantedCPUs > 1, let os {
            notes.append("1 vCPU under TCG emulation, though \(os.name) recommends \(wantedCPUs) (--vcpus to change)")
        }
        let gib = { (bytes: UInt64?) in bytes.map { Int(($0 + (1 << 30) - 1) >> 30) } }
        let minimumGiB = gib(os?.minimum.storageBytes)
        let disk = request.diskGiB ?? max(minimumGiB ?? 0, gib(os?.recommended.storageBytes) ?? generic.diskGiB)
        if let minimumGiB, disk < minimumGiB, let os, request.source.makesDisk {
            notes.append("a \(disk) GiB disk is under \(os.name)'s minimum of \(minimumGiB) GiB")
        }
        var spec = InstallSpec(name: request.name, source: request.source, memoryMiB: memory, vcpus: vcpus, diskGiB: disk,
                               virtio: os?.hasVirtio ?? true, uefi: request.uefi, network: request.network,
                               accelerator: accelerator,
                               storageDirectory: request.storageDirectory ?? CloudLauncher.defaultStorageDirectory(uri: uri))
        if let order = request.bootOrder {
            try checkBootOrder(order, source: request.source)
            spec.bootOrder = order
        }
        return Plan(spec: spec, os: os, osSource: osSource, notes: notes)
    }

    static func checkBootOrder(_ order: [String], source: InstallSpec.Source) throws {
        let known = InstallSpec.bootDevices.joined(separator: ", ")
        guard !order.isEmpty else { throw UserFacingError("--boot names no device: give some of \(known), comma-separated") }
        if let unknown = order.first(where: { !InstallSpec.bootDevices.contains($0) }) {
            throw UserFacingError("--boot: '\(unknown)' is no boot device; use \(known), comma-separated")
        }
        if Set(order).count != order.count { throw UserFacingError("--boot names a device twice: \(order.joined(separator: ","))") }
        var hasCD = false
        if case .iso = source { hasCD = true }
        if order.contains("cdrom") && !hasCD { throw UserFacingError("--boot cdrom: the VM has no CD-ROM (only --iso gives it one)") }
    }

    /// Makes and starts it; nothing half-made stays when that fails.
    public static func create(_ plan: Plan, on host: Hypervisor) throws -> Installed {
        if plan.spec.uefi && !FileManager.default.fileExists(atPath: "/usr/share/OVMF") && host.uri.hasPrefix("qemu:///") {
            throw UserFacingError("UEFI needs the OVMF firmware: install ovmf (apt install ovmf), or leave out --uefi")
        }
        do { return try Installer(connection: host.connection).create(plan.spec) } catch let error as ProvisioningError {
            throw UserFacingError(error.description)
        }
    }
}
