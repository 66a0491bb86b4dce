import Foundation
import Inventory
#if canImport(FoundationXML)
import FoundationXML
#endif
import VirtKit

/// What an OVF descriptor says a virtual appliance is: the name, CPUs, memory, disks and NICs (DMTF DSP0243).
public struct OVFDescriptor: Sendable, Equatable {
    public struct Disk: Sendable, Equatable {
        /// The file in the package, as the descriptor's References name it.
        public let file: String
        /// qemu-img's name for its format: vmdk, qcow2, vpc (VHD), raw.
        public let format: String
    }

    public let name: String
    public let cpus: Int
    public let memoryMiB: Int
    /// In the order the hardware section attaches them (the first boots).
    public let disks: [Disk]
    /// The OVF network each NIC is connected to (a name from the package, not a libvirt network).
    public let nics: [String]

    /// The disk formats virtlab converts, by what the descriptor's `ovf:format` URI says.
    static func qemuFormat(_ uri: String) -> String? {
        let lowered = uri.lowercased()
        if lowered.contains("vmdk") { return "vmdk" }
        if lowered.contains("qcow") { return "qcow2" }
        if lowered.contains("vhdx") { return "vhdx" }
        if lowered.contains("vhd") { return "vpc" }
        if lowered.hasSuffix("raw") || lowered.contains("/raw") { return "raw" }
        return nil
    }

    public static func parse(_ xml: String, source: String) throws -> OVFDescriptor {
        let document: XMLDocument
        do { document = try XMLDocument(xmlString: xml, options: []) } catch {
            throw ProvisioningError("\(source) is not an OVF descriptor: it is not XML")
        }
        func nodes(_ path: String, in node: XMLNode? = nil) -> [XMLNode] { (try? (node ?? document).nodes(forXPath: path)) ?? [] }
        func attribute(_ node: XMLNode, _ local: String) -> String? {
            (node as? XMLElement)?.attributes?.first { $0.localName == local }?.stringValue
        }
        func child(_ node: XMLNode, _ local: String) -> String? {
            nodes("*[local-name()='\(local)']", in: node).first?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard document.rootElement()?.localName == "Envelope",
              let system = nodes("/*/*[local-name()='VirtualSystem']").first else {
            throw ProvisioningError("\(source) is not an OVF descriptor (it has no Envelope with a VirtualSystem)")
        }
        let files = Dictionary(nodes("/*/*[local-name()='References']/*[local-name()='File']").compactMap { file in
            attribute(file, "id").flatMap { id in attribute(file, "href").map { (id, $0) } }
        }, uniquingKeysWith: { first, _ in first })
        var diskFiles: [String: (file: String, formatURI: String)] = [:]
        for disk in nodes("/*/*[local-name()='DiskSection']/*[local-name()='Disk']") {
            guard let id = attribute(disk, "diskId") else { continue }
            guard let ref = attribute(disk, "fileRef"), let file = files[ref] else {
                throw ProvisioningError("\(source): disk \(id) names no file in the References section")
            }
            diskFiles[id] = (file, attribute(disk, "format") ?? "")
        }
        var cpus = 1, memoryMiB = 0
        var disks: [Disk] = [], nics: [String] = []
        let items = nodes(".//*[local-name()='VirtualHardwareSection']/*[local-name()='Item' or local-name()='StorageItem' "
                          + "or local-name()='EthernetPortItem']", in: system)
        for item in items {
            switch child(item, "ResourceType") {
            case "3": cpus = child(item, "VirtualQuantity").flatMap(Int.init) ?? cpus
            case "4":
                let quantity = child(item, "VirtualQuantity").flatMap(Double.init) ?? 0
                memoryMiB = Int(quantity * mebibytesPer(child(item, "AllocationUnits") ?? "byte * 2^20"))
            case "17":
                let resource = child(item, "HostResource") ?? ""
                guard let id = resource.split(separator: "/").last.map(String.init), let found = diskFiles[id] else {
                    throw ProvisioningError("\(source): a disk item points to '\(resource)', which the DiskSection does not have")
                }
                guard let format = qemuFormat(found.formatURI) else {
                    throw ProvisioningError("\(source): disk \(found.file) has the format '\(found.formatURI)', which qemu-img "
                                            + "does not read (vmdk, qcow2, vhd, vhdx and raw are converted)")
                }
                disks.append(Disk(file: found.file, format: format))
            case "10": nics.append(child(item, "Connection") ?? "")
            default: break
            }
        }
        let name = child(system, "Name") ?? attribute(system, "id") ?? "appliance"
        guard !disks.isEmpty else { throw ProvisioningError("\(source): the appliance has no disk to boot from") }
        guard disks.count <= 26 else { throw ProvisioningError("\(source): \(disks.count) disks; virtlab attaches up to 26") }
        guard memoryMiB > 0 else { throw ProvisioningError("\(source): the appliance says no memory size (ResourceType 4)") }
        return OVFDescriptor(name: name, cpus: max(1, cpus), memoryMiB: memoryMiB, disks: disks, nics: nics)
    }

    /// `byte * 2^20` (MiB), `MegaBytes`, `byte * 2^30`, `byte`: how many MiB one unit is.
    static func mebibytesPer(_ units: String) -> Double {
        let lowered = units.lowercased().replacingOccurrences(of: " ", with: "")
        if lowered.contains("2^30") || lowered.hasPrefix("giga") { return 1024 }
        if lowered.contains("2^20") || lowered.hasPrefix("mega") { return 1 }
        if lowered.contains("2^10") || lowered.hasPrefix("kilo") { return 1.0 / 1024 }
        return 1.0 / 1_048_576
    }
}

/// Imports a virtual appliance: an OVA (a tar of the descriptor and its disks) or an OVF with its disks beside it.
/// The disks are converted to qcow2 in the storage directory and a VM is defined from the descriptor; nothing
/// existing is overwritten, and a failed import leaves nothing behind.
public struct ApplianceImporter {
    public let connection: Connection
    let tools = Tools()

    public init(connection: Connection) { self.connection = connection }

    public struct Plan: Sendable, Equatable {
        public let name: String
        public let descriptor: OVFDescriptor
        /// Each disk's converted file, in order.
        public let targets: [String]
        /// The equivalent commands, for `--explain` and the log.
        public let commands: [String]
    }

    public struct Imported: Sendable, Equatable {
        public let name: String
        public let uuid: String
        public let disks: [String]
        public let descriptor: OVFDescriptor
    }

    /// Reads the descriptor and works out what the import makes, without making anything.
    public func plan(_ path: String, name: String?, storageDirectory: String) throws -> Plan {
        let descriptor = try OVFDescriptor.parse(try descriptorText(path), source: path)
        let chosen = name ?? descriptor.name.replacingOccurrences(of: " ", with: "-")
        try CloudLauncher.validate(name: chosen)
        let targets = descriptor.disks.indices.map { "\(storageDirectory)/\(chosen)-disk\($0 + 1).qcow2" }
        let unpacked = "\(storageDirectory)/.virtlab-import-\(chosen)"
        // The descriptor's words (disk files, formats) are the appliance author's: quoted like the user's.
        func line(_ words: String...) -> String { ShellWords.line(words) }
        let unpack = isOVA(path) ? [line("mkdir", unpacked) + " && " + line("tar", "-xf", path, "-C", unpacked)] : []
        let converts = zip(descriptor.disks, targets).map { disk, target in
            line("qemu-img", "convert", "-f", disk.format, "-O", "qcow2", (isOVA(path) ? unpacked + "/" : "") + disk.file, target)
        }
        return Plan(name: chosen, descriptor: descriptor, targets: targets,
                    commands: unpack + converts + (isOVA(path) ? [line("rm", "-r", unpacked)] : [])
                        + [line("virsh", "-c", connection.uri, "define", chosen + ".xml")])
    }

    public func importAppliance(_ given: String, name: String?, network: String?, storageDirectory: String) throws -> Imported {
        let path = URL(fileURLWithPath: given).standardizedFileURL.path
        let plan = try plan(path, name: name, storageDirectory: storageDirectory)
        if (try? connection.domain(named: plan.name)) != nil {
            throw ProvisioningError("a VM named \(plan.name) already exists; import it under another name with --name")
        }
        if let network { _ = try connection.network(named: network) }
        for target in plan.targets where FileManager.default.fileExists(atPath: target) {
            throw ProvisioningError("\(target) already exists; virtlab never overwrites a disk: remove it or use --name")
        }
        let made = try convertDisks(of: path, plan, storageDirectory: storageDirectory)
        let uuid = UUID().uuidString.lowercased()
        let blueprint = DomainBlueprint(
            name: plan.name, uuid: uuid, memoryMiB: plan.descriptor.memoryMiB, vcpus: plan.descriptor.cpus,
            accelerator: .best(), os: BootKit.osXML(nil), disks: Self.disks(plan),
            networks: plan.descriptor.nics.map { _ in network },
            // Appliances print to their serial console first: kept in a file, one can see that (and how) it booted.
            serialLog: SerialLog.path(of: plan.name))
        do {
            _ = try connection.define(xml: blueprint.xml)
        } catch {
            made.removeAll()
            throw error
        }
        made.keep()
        return Imported(name: plan.name, uuid: uuid, disks: plan.targets, descriptor: plan.descriptor)
    }

    /// The converted disks, attached in the descriptor's order (the first boots).
    static func disks(_ plan: Plan) -> [DomainBlueprint.Disk] {
        plan.targets.enumerated().map { index, target in
            .init(path: target, format: "qcow2", target: "vd" + String(UnicodeScalar(UInt8(97 + index))))
        }
    }

    /// Converts the appliance's disks to qcow2 at the plan's targets (unpacking an OVA to a scratch directory that
    /// goes afterwards). The disks made are returned to keep or remove; a failure removes them itself.
    func convertDisks(of path: String, _ plan: Plan, storageDirectory: String) throws -> Leftovers {
        try FileManager.default.createDirectory(atPath: storageDirectory, withIntermediateDirectories: true)
        let leftovers = Leftovers()
        defer { leftovers.removeAll() }
        var source = (path as NSString).deletingLastPathComponent
        if isOVA(path) {
            let unpacked = storageDirectory + "/.virtlab-import-\(plan.name)-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: unpacked, withIntermediateDirectories: false)
            leftovers.add(unpacked)
            try tools.run(["tar", "-xf", path, "-C", unpacked, "--no-same-owner", "--no-same-permissions"],
                          doing: "unpack \(path)")
            source = unpacked
        }
        let made = Leftovers()
        for (disk, target) in zip(plan.descriptor.disks, plan.targets) {
            let file = source + "/" + disk.file
            guard FileManager.default.fileExists(atPath: file) else {
                made.removeAll()
                throw ProvisioningError("\(path) names the disk \(disk.file), which is not in \(isOVA(path) ? "the archive" : "its directory")")
            }
            made.add(target)
            do {
                try tools.run(["qemu-img", "convert", "-q", "-f", disk.format, "-O", "qcow2", file, target],
                              doing: "convert \(disk.file) (\(disk.format)) to qcow2")
            } catch {
                made.removeAll()
                throw error
            }
        }
        return made
    }

    private func isOVA(_ path: String) -> Bool { path.lowercased().hasSuffix(".ova") }

    /// The descriptor's text: the .ovf file, or the .ovf member of the OVA, read without unpacking the disks.
    private func descriptorText(_ path: String) throws -> String {
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw ProvisioningError("cannot read \(path): give an .ova file, or an .ovf with its disks beside it")
        }
        guard isOVA(path) else {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ProvisioningError("\(path) is not an OVF descriptor: it is not text")
            }
            return text
        }
        let listing: String
        do { listing = try tools.run(["tar", "-tf", path], doing: "list \(path)") } catch {
            throw ProvisioningError("\(path) is not an OVA: it is not a tar archive")
        }
        guard let member = listing.split(separator: "\n").map(String.init).first(where: { $0.lowercased().hasSuffix(".ovf") }) else {
            throw ProvisioningError("\(path) is not an OVA: it holds no .ovf descriptor")
        }
        return try tools.run(["tar", "-xOf", path, member], doing: "read \(member) from \(path)")
    }
}
