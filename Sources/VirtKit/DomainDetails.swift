import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// What a domain is made of, read from its libvirt XML (plus live info where given).
public struct DomainDetails: Sendable, Codable, Equatable {
    public var name: String
    public var uuid: String
    public var id: Int?
    /// The domain type libvirt runs it with: "kvm", "qemu" (TCG), "test", ...
    public var hypervisorType: String
    public var osType: String
    public var arch: String?
    public var state: DomainState?
    public var stateReason: String?
    public var maxMemoryKiB: UInt64
    public var currentMemoryKiB: UInt64
    public var vcpus: Int
    public var cpuTimeNs: UInt64?
    public var persistent: Bool = false
    public var autostart: Bool = false
    public var disks: [Disk]
    public var nics: [NIC]
    /// Host devices given to it, as `virtlab host devices` names them: "pci 0000:65:00.0", "usb 0781:5567" (by its
    /// IDs) or "usb bus 1 device 2", "mdev UUID".
    public var hostDevices: [String] = []

    public struct Disk: Sendable, Codable, Equatable {
        /// "disk", "cdrom" or "floppy".
        public var device: String
        /// Guest device name, e.g. "vda".
        public var target: String
        public var bus: String?
        /// The image file or block device, nil for an empty drive.
        public var source: String?
        /// The driver format: "qcow2", "raw", ...
        public var format: String?
        public var readOnly: Bool
    }

    public struct NIC: Sendable, Codable, Equatable {
        public var mac: String
        public var model: String?
        /// "network", "bridge", "user", "direct", ...
        public var type: String
        /// The network or bridge it attaches to, where it has one.
        public var source: String?
        public var hostDevice: String?
        public var addresses: [String] = []

        /// A user-mode NIC's address exists only inside QEMU; the others are on a network the host is on.
        public var reachableFromHost: Bool { type != "user" }
    }

    /// The NICs the host can reach the guest through, on `network` when one is named.
    public func reachableNICs(onNetwork network: String? = nil) -> [NIC] {
        nics.filter { $0.reachableFromHost && (network == nil || $0.source == network) }
    }

    /// Parses domain XML. `info` adds live values (state, current memory, cpu time) when given.
    public init(xml: String, info: DomainInfo?) throws {
        let doc: XMLDocument
        do {
            doc = try XMLDocument(xmlString: xml, options: [])
        } catch {
            throw LibvirtError(operation: "read domain XML", code: -1, domain: 0,
                               message: "not valid XML: \(error.localizedDescription)")
        }
        guard let root = doc.rootElement(), root.name == "domain" else {
            throw LibvirtError(operation: "read domain XML", code: -1, domain: 0, message: "no <domain> element")
        }
        name = root.text("name") ?? info?.name ?? ""
        uuid = root.text("uuid") ?? info?.uuid ?? ""
        id = info?.id ?? root.attribute("id").flatMap { Int($0) }.flatMap { $0 >= 0 ? $0 : nil }
        hypervisorType = root.attribute("type") ?? "unknown"
        osType = root.text("os/type") ?? "unknown"
        arch = root.first("os/type")?.attribute("arch")
        maxMemoryKiB = root.first("memory").map(Self.kibibytes) ?? info?.maxMemoryKiB ?? 0
        currentMemoryKiB = info?.memoryKiB ?? root.first("currentMemory").map(Self.kibibytes) ?? maxMemoryKiB
        let vcpuElement = root.first("vcpu")
        vcpus = info?.vcpus ?? vcpuElement?.attribute("current").flatMap { Int($0) }
            ?? vcpuElement?.stringValue.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? 0
        state = info?.state
        stateReason = info?.reasonLabel
        cpuTimeNs = info?.cpuTimeNs

        disks = root.all("devices/disk").map { disk in
            let source = disk.first("source")
            return Disk(device: disk.attribute("device") ?? "disk",
                        target: disk.first("target")?.attribute("dev") ?? "?",
                        bus: disk.first("target")?.attribute("bus"),
                        source: source?.attribute("file") ?? source?.attribute("dev")
                            ?? source?.attribute("volume").map { vol in
                                "\(source?.attribute("pool") ?? "?")/\(vol)"
                            } ?? source?.attribute("name"),
                        format: disk.first("driver")?.attribute("type"),
                        readOnly: disk.first("readonly") != nil)
        }
        nics = root.all("devices/interface").map { iface in
            let source = iface.first("source")
            return NIC(mac: iface.first("mac")?.attribute("address")?.lowercased() ?? "",
                       model: iface.first("model")?.attribute("type"),
                       type: iface.attribute("type") ?? "unknown",
                       source: source?.attribute("network") ?? source?.attribute("bridge") ?? source?.attribute("dev"),
                       hostDevice: iface.first("target")?.attribute("dev"))
        }
        hostDevices = root.all("devices/hostdev").map(Self.hostDeviceLabel)
    }

    /// How a `<hostdev>` is named in `hostDevices`: by its PCI address, its UUID (mediated), its USB bus and device,
    /// or its USB vendor:product IDs.
    static func hostDeviceLabel(_ hostdev: XMLElement) -> String {
        let type = hostdev.attribute("type") ?? "device"
        if let address = hostdev.first("source/address") {
            if type == "pci" { return "pci " + NodeDevice.pciAddress(address) }
            if let uuid = address.attribute("uuid") { return "\(type) \(uuid)" }
            return "\(type) bus \(address.attribute("bus") ?? "?") device \(address.attribute("device") ?? "?")"
        }
        let ids = [hostdev.first("source/vendor")?.attribute("id"), hostdev.first("source/product")?.attribute("id")]
            .compactMap { $0?.replacingOccurrences(of: "0x", with: "") }
        return ids.isEmpty ? type : "\(type) \(ids.joined(separator: ":"))"
    }

    mutating func attachAddresses(_ byMAC: [String: [String]]) {
        for index in nics.indices { nics[index].addresses = byMAC[nics[index].mac] ?? [] }
    }

    /// libvirt memory elements carry a unit (default KiB).
    static func kibibytes(_ element: XMLElement) -> UInt64 {
        let value = UInt64(element.stringValue?.trimmingCharacters(in: .whitespaces) ?? "") ?? 0
        switch (element.attribute("unit") ?? "KiB").lowercased() {
        case "b", "bytes": return value / 1024
        case "k", "kib": return value
        case "kb": return value * 1000 / 1024
        case "m", "mib": return value * 1024
        case "mb": return value * 1_000_000 / 1024
        case "g", "gib": return value * 1024 * 1024
        case "gb": return value * 1_000_000_000 / 1024
        case "t", "tib": return value * 1024 * 1024 * 1024
        default: return value
        }
    }
}

extension XMLElement {
    func attribute(_ name: String) -> String? { attribute(forName: name)?.stringValue }
    func first(_ path: String) -> XMLElement? { all(path).first }
    func all(_ path: String) -> [XMLElement] { ((try? nodes(forXPath: path)) ?? []).compactMap { $0 as? XMLElement } }
    func text(_ path: String) -> String? {
        first(path)?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Escapes text for an XML attribute or element body.
func xmlEscaped(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.count)
    for char in text {
        switch char {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        default: out.append(char)
        }
    }
    return out
}
