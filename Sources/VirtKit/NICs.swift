import CLibvirt
import Foundation

/// Where a device change applies: the running guest, its persistent definition, or both.
public struct DeviceScope: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let live = DeviceScope(rawValue: VIR_DOMAIN_AFFECT_LIVE.rawValue)
    public static let config = DeviceScope(rawValue: VIR_DOMAIN_AFFECT_CONFIG.rawValue)
}

extension Domain {
    /// The NIC models virtlab offers: what QEMU's guests have drivers for.
    public static let nicModels = ["virtio", "e1000", "e1000e", "rtl8139"]

    /// Adds a NIC on the libvirt network; returns its MAC (made here when not given, in QEMU's 52:54:00 range,
    /// so it can be said and found again). An empty scope means libvirt's "current" (live if running, else config).
    @discardableResult
    public func attachNIC(network: String, model: String = "virtio", mac: String? = nil,
                          scope: DeviceScope = []) throws -> String {
        let address = mac ?? Self.randomMAC()
        let xml = "<interface type='network'><mac address='\(address)'/><source network='\(escapedAttribute(network))'/>"
            + "<model type='\(escapedAttribute(model))'/></interface>"
        try check("attach a NIC on network '\(network)' to '\(name)'",
                  virDomainAttachDeviceFlags(pointer, xml, scope.rawValue))
        return address
    }

    /// Removes the NIC with this MAC (found in the definition, so its type and source need not be given).
    public func detachNIC(mac: String, scope: DeviceScope = []) throws {
        let nics = try details().nics
        guard let nic = nics.first(where: { $0.mac.lowercased() == mac.lowercased() }) else {
            throw Refusal(description: "'\(name)' has no NIC with MAC \(mac) (it has: "
                                + (nics.isEmpty ? "none" : nics.map(\.mac).joined(separator: ", ")) + ")")
        }
        let source = nic.source.map { nic.type == "bridge" ? "<source bridge='\(escapedAttribute($0))'/>"
            : "<source network='\(escapedAttribute($0))'/>" } ?? ""
        let xml = "<interface type='\(escapedAttribute(nic.type))'><mac address='\(nic.mac)'/>\(source)</interface>"
        try check("detach NIC \(mac) from '\(name)'", virDomainDetachDeviceFlags(pointer, xml, scope.rawValue))
    }

    static func randomMAC() -> String {
        "52:54:00:" + (0..<3).map { _ in
            let byte = UInt8.random(in: 0...255)
            return (byte < 16 ? "0" : "") + String(byte, radix: 16)
        }.joined(separator: ":")
    }

    /// A MAC address as libvirt takes it: six hex pairs, a unicast first octet.
    public static func isValidMAC(_ text: String) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6, parts.allSatisfy({ $0.count == 2 && UInt8($0, radix: 16) != nil }) else { return false }
        return UInt8(parts[0], radix: 16)! & 1 == 0
    }
}

private func escapedAttribute(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: "'", with: "&apos;")
}
