import CLibvirt
import Foundation

/// What virtlab records in a VM it made from a cloud image (libvirt keeps it in the domain's `<metadata>`), so
/// later commands know what only the creator knew: the user cloud-init made, whom `virtlab vm ssh` logs in as.
public struct InstanceMetadata: Sendable, Equatable {
    public static let namespace = "https://virtlab.dev/xmlns/instance/1"
    public var user: String

    public init(user: String) { self.user = user }

    /// The `<metadata>` element for a domain's XML.
    public var xml: String { "<metadata>\(element)</metadata>" }

    /// The element inside `<metadata>`, beside others (a lab's mark).
    public var element: String {
        let user = user.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        return "<virtlab:instance xmlns:virtlab='\(Self.namespace)'><virtlab:user>\(user)</virtlab:user></virtlab:instance>"
    }
}

extension Domain {
    /// virtlab's record in this VM, or nil for a VM virtlab did not make.
    public func instanceMetadata() -> InstanceMetadata? {
        guard let raw = virDomainGetMetadata(pointer, Int32(VIR_DOMAIN_METADATA_ELEMENT.rawValue),
                                             InstanceMetadata.namespace, 0) else {
            virResetLastError()  // "no metadata" is the normal answer for other VMs
            return nil
        }
        let element = String(cString: raw)
        free(raw)
        // libvirt hands back the element with a prefix of its choosing; the user is the one text node.
        guard let start = element.range(of: "user>")?.upperBound,
              let end = element.range(of: "</", range: start..<element.endIndex)?.lowerBound else { return nil }
        let user = element[start..<end].replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&amp;", with: "&")
        return user.isEmpty ? nil : InstanceMetadata(user: user)
    }

    /// The address the host reaches the guest at (see `DomainDetails.guestAddress`); nil while none is known.
    public func guestAddress(onNetwork network: String? = nil) throws -> String? {
        try refuseMadeUpAddresses()
        return try details().guestAddress(onNetwork: network)
    }

    /// On libvirt's test driver the addresses are made up (192.168.122.x): refused, so nothing is sent to them.
    public func refuseMadeUpAddresses() throws {
        if let conn = virDomainGetConnect(pointer), virConnectGetType(conn).map({ String(cString: $0) }) == "TEST" {
            throw Refusal(description: "'\(name)' is a VM of libvirt's test driver: its addresses are made up and "
                + "nothing answers there")
        }
    }
}

extension DomainDetails {
    /// The first IPv4 address (else IPv6) of a NIC on a libvirt network or bridge (on `network` if given), from
    /// the network's DHCP leases, else from the guest agent. User-mode NICs are left out: their addresses exist
    /// only inside QEMU.
    public func guestAddress(onNetwork network: String? = nil) -> String? {
        let addresses = reachableNICs(onNetwork: network).flatMap(\.addresses).map { String($0.prefix { $0 != "/" }) }
        return addresses.first { !$0.contains(":") } ?? addresses.first
    }
}
