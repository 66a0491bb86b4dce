import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// What osinfo-db (Debian's `osinfo-db`, the database virt-install and virt-manager use) says of an operating
/// system: its names, the resources it needs and recommends, whether it has virtio drivers, and how its install
/// media name themselves. Read from the database's XML files, with what an OS inherits from the one it derives
/// from or upgrades filled in.
public struct OperatingSystem: Sendable, Equatable, Encodable {
    public struct Resources: Sendable, Equatable, Encodable {
        public var cpus: Int?
        public var memoryBytes: UInt64?
        public var storageBytes: UInt64?
    }

    /// The database's URI for it ("http://debian.org/debian/11").
    public let id: String
    /// Its short names ("debian11", "debianbullseye"); the first is the one virt-install's --os-variant takes.
    public let shortIDs: [String]
    public let name: String
    public let family: String?
    public let releaseDate: String?
    public internal(set) var minimum: Resources
    public internal(set) var recommended: Resources
    /// PCI devices its kernel drives, as vendor:device ("1af4:1042").
    public internal(set) var devices: Set<String>
    /// Install media: the architecture and the patterns of the ISO 9660 names it carries.
    public let media: [Medium]
    let parents: [String]

    public var shortID: String { shortIDs.first ?? id }

    /// virtio block and network drivers (legacy or 1.0 devices), so its disks and NICs may be virtio.
    public var hasVirtio: Bool {
        !devices.isDisjoint(with: ["1af4:1001", "1af4:1042"]) && !devices.isDisjoint(with: ["1af4:1000", "1af4:1041"])
    }

    /// What `--json` shows: "shortIds" becomes short_ids where keys are snake-cased; the parents are resolved already.
    enum CodingKeys: String, CodingKey {
        case id, shortIDs = "shortIds", name, family, releaseDate, minimum, recommended, devices, media, hasVirtio
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(shortIDs, forKey: .shortIDs)
        try container.encode(name, forKey: .name)
        try container.encodeIfPresent(family, forKey: .family)
        try container.encodeIfPresent(releaseDate, forKey: .releaseDate)
        try container.encode(minimum, forKey: .minimum)
        try container.encode(recommended, forKey: .recommended)
        try container.encode(devices.sorted(), forKey: .devices)
        try container.encode(media, forKey: .media)
        try container.encode(hasVirtio, forKey: .hasVirtio)
    }

    public struct Medium: Sendable, Equatable, Encodable {
        public let arch: String
        public let volumeID: String?
        public let systemID: String?
        public let publisherID: String?
        public let applicationID: String?
    }
}

/// The names an ISO 9660 image gives itself in its primary volume descriptor, which install media are known by.
public struct ISONames: Sendable, Equatable {
    public let systemID: String
    public let volumeID: String
    public let publisherID: String
    public let applicationID: String
    /// It has an El Torito boot record: a BIOS or UEFI can boot it as a CD.
    public let bootable: Bool

    public init(systemID: String = "", volumeID: String, publisherID: String = "", applicationID: String = "",
                bootable: Bool = true) {
        self.systemID = systemID
        self.volumeID = volumeID
        self.publisherID = publisherID
        self.applicationID = applicationID
        self.bootable = bootable
    }

    /// Reads them from the file at `path`; nil when it is not an ISO 9660 image.
    public static func read(_ path: String) -> ISONames? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard (try? handle.seek(toOffset: 32768)) != nil, let sector = try? handle.read(upToCount: 2048), sector.count == 2048
        else { return nil }
        let bytes = [UInt8](sector)
        guard bytes[0] == 1, Array(bytes[1 ..< 6]) == Array("CD001".utf8) else { return nil }
        let field = { (from: Int, length: Int) in
            String(decoding: bytes[from ..< from + length], as: UTF8.self).trimmingCharacters(in: .whitespaces.union(.controlCharacters))
        }
        // The volume descriptors follow from sector 16 up to the terminator (type 255); a boot record (type 0) that
        // names El Torito makes the image bootable.
        var bootable = false
        for index in 16 ..< 32 {
            guard (try? handle.seek(toOffset: UInt64(index) * 2048)) != nil, let descriptor = try? handle.read(upToCount: 2048),
                  descriptor.count == 2048, Array(descriptor[1 ..< 6]) == Array("CD001".utf8), descriptor[0] != 255 else { break }
            if descriptor[0] == 0, String(decoding: descriptor[7 ..< 30], as: UTF8.self) == "EL TORITO SPECIFICATION" {
                bootable = true
                break
            }
        }
        return ISONames(systemID: field(8, 32), volumeID: field(40, 32), publisherID: field(318, 128), applicationID: field(574, 128),
                        bootable: bootable)
    }
}

/// The whole database, loaded once from its directory (`/usr/share/osinfo`, as Debian's osinfo-db installs it).
public struct OSCatalog: Sendable {
    public let systems: [OperatingSystem]
    public static let defaultDirectory = "/usr/share/osinfo"

    public struct Missing: Error, CustomStringConvertible {
        public let description: String
    }

    /// Every OS of the database at `directory`, newest release first within a family of names.
    public static func load(_ directory: String = defaultDirectory) throws -> OSCatalog {
        let root = directory + "/os"
        guard let vendors = try? FileManager.default.contentsOfDirectory(atPath: root), !vendors.isEmpty else {
            throw Missing(description: "no operating system database at \(root): install osinfo-db (apt install osinfo-db)")
        }
        var byID: [String: OperatingSystem] = [:]
        for vendor in vendors {
            for file in (try? FileManager.default.contentsOfDirectory(atPath: "\(root)/\(vendor)")) ?? [] where file.hasSuffix(".xml") {
                guard let data = FileManager.default.contents(atPath: "\(root)/\(vendor)/\(file)"),
                      let document = try? XMLDocument(data: data, options: []) else { continue }
                for element in (try? document.nodes(forXPath: "/libosinfo/os")) ?? [] {
                    if let element = element as? XMLElement, let system = parse(element) { byID[system.id] = system }
                }
            }
        }
        // Resources and devices an entry leaves out come from those it derives from or upgrades, nearest first;
        // each entry is resolved once (the chains share their ancestors), a cycle is cut where it closes.
        var done: [String: OperatingSystem] = [:]
        func resolved(_ id: String, seen: Set<String>) -> OperatingSystem? {
            if let known = done[id] { return known }
            guard var system = byID[id] else { return nil }
            for parentID in system.parents where !seen.contains(parentID) {
                guard let parent = resolved(parentID, seen: seen.union([id])) else { continue }
                system.minimum.fill(from: parent.minimum)
                system.recommended.fill(from: parent.recommended)
                system.devices.formUnion(parent.devices)
            }
            done[id] = system
            return system
        }
        let systems = byID.keys.compactMap { resolved($0, seen: []) }
            .sorted { ($0.releaseDate ?? "", $0.shortID) > ($1.releaseDate ?? "", $1.shortID) }
        return OSCatalog(systems: systems)
    }

    public func system(_ shortID: String) -> OperatingSystem? {
        systems.first { $0.shortIDs.contains(shortID) || $0.id == shortID }
    }

    /// Those whose short name, name or family contains `filter` (any case), newest first.
    public func matching(_ filter: String?) -> [OperatingSystem] {
        guard let filter, !filter.isEmpty else { return systems }
        let needle = filter.lowercased()
        return systems.filter { system in
            system.shortIDs.contains { $0.lowercased().contains(needle) } || system.name.lowercased().contains(needle)
                || system.family?.lowercased() == needle
        }
    }

    /// The OS whose install medium for `arch` these ISO names match, as osinfo-detect decides: each pattern the
    /// medium gives must match the name's start (any case); the first such OS in the database's order.
    public func detect(_ names: ISONames, arch: String = "x86_64") -> OperatingSystem? {
        func matches(_ pattern: String?, _ text: String) -> Bool {
            guard let pattern else { return true }
            guard let regex = try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive]) else { return false }
            return regex.firstMatch(in: text, options: [.anchored], range: NSRange(text.startIndex..., in: text)) != nil
        }
        return systems.first { system in
            system.media.contains { medium in
                (medium.arch == arch || medium.arch == "all") && medium.volumeID != nil
                    && matches(medium.volumeID, names.volumeID) && matches(medium.systemID, names.systemID)
                    && matches(medium.publisherID, names.publisherID) && matches(medium.applicationID, names.applicationID)
            }
        }
    }

    static func parse(_ element: XMLElement) -> OperatingSystem? {
        guard let id = element.attribute(forName: "id")?.stringValue else { return nil }
        func texts(_ name: String) -> [String] {
            element.elements(forName: name).filter { $0.attribute(forName: "xml:lang") == nil }.compactMap(\.stringValue)
        }
        func resources(_ kind: String) -> OperatingSystem.Resources {
            // The x86_64 entry's, else the one for every architecture (an OS may give one kind per architecture
            // and the other for all).
            let all = element.elements(forName: "resources")
            let block = ["x86_64", "all"].lazy.compactMap { arch in
                all.first { $0.attribute(forName: "arch")?.stringValue == arch }?.elements(forName: kind).first
            }.first
            guard let block else { return OperatingSystem.Resources() }
            let number = { (name: String) in block.elements(forName: name).first?.stringValue.flatMap { UInt64($0) } }
            return OperatingSystem.Resources(cpus: number("n-cpus").map { Int($0) }, memoryBytes: number("ram"),
                                             storageBytes: number("storage"))
        }
        let devices = element.elements(forName: "devices").flatMap { $0.elements(forName: "device") }.compactMap { device -> String? in
            guard let url = device.attribute(forName: "id")?.stringValue, url.hasPrefix("http://pcisig.com/pci/") else { return nil }
            let parts = url.dropFirst("http://pcisig.com/pci/".count).split(separator: "/")
            return parts.count == 2 ? "\(parts[0]):\(parts[1])".lowercased() : nil
        }
        let media = element.elements(forName: "media").map { medium in
            let iso = medium.elements(forName: "iso").first
            let field = { (name: String) in iso?.elements(forName: name).first?.stringValue }
            return OperatingSystem.Medium(arch: medium.attribute(forName: "arch")?.stringValue ?? "all", volumeID: field("volume-id"),
                                          systemID: field("system-id"), publisherID: field("publisher-id"),
                                          applicationID: field("application-id"))
        }
        let parents = ["derives-from", "upgrades", "clones"].flatMap { element.elements(forName: $0) }
            .compactMap { $0.attribute(forName: "id")?.stringValue }
        return OperatingSystem(id: id, shortIDs: texts("short-id"), name: texts("name").first ?? id, family: texts("family").first,
                               releaseDate: texts("release-date").first, minimum: resources("minimum"),
                               recommended: resources("recommended"), devices: Set(devices), media: media, parents: parents)
    }
}

extension OperatingSystem.Resources {
    mutating func fill(from parent: Self) {
        cpus = cpus ?? parent.cpus
        memoryBytes = memoryBytes ?? parent.memoryBytes
        storageBytes = storageBytes ?? parent.storageBytes
    }
}
