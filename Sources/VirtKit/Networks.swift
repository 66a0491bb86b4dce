import CLibvirt
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

public struct VirtualNetwork: Sendable, Equatable, Codable {
    public let name: String
    public let uuid: String
    public let active: Bool
    public let autostart: Bool
    public let bridge: String?
    /// "nat", "route", "open", "isolated" (no forward element), ...
    public let forwardMode: String
    public let address: String?
    public let dhcpRanges: [DHCPRange]

    public struct DHCPRange: Sendable, Equatable, Codable {
        public let start: String
        public let end: String
    }
}

extension Connection {
    public func networks() throws -> [VirtualNetwork] {
        let conn = try handle("list networks")
        return try listAll("list networks", { virConnectListAllNetworks(conn, $0, 0) },
                           release: { virNetworkFree($0) }) { net in
            let name = String(cString: virNetworkGetName(net))
            let xml = try check("read network '\(name)'", takeString(virNetworkGetXMLDesc(net, 0)))
            let root = try XMLDocument(xmlString: xml, options: []).rootElement()
            var autostart: Int32 = 0
            _ = virNetworkGetAutostart(net, &autostart)
            let ip = root?.first("ip")
            let address = ip.flatMap { ip in
                ip.attribute("address").map { addr in
                    addr + (ip.attribute("prefix").map { "/\($0)" } ?? ip.attribute("netmask").map { "/\($0)" } ?? "")
                }
            }
            return VirtualNetwork(
                name: name, uuid: root?.text("uuid") ?? "", active: virNetworkIsActive(net) == 1,
                autostart: autostart != 0, bridge: root?.first("bridge")?.attribute("name"),
                forwardMode: root?.first("forward").map { $0.attribute("mode") ?? "nat" } ?? "isolated",
                address: address,
                dhcpRanges: (root?.all("ip/dhcp/range") ?? []).compactMap { range in
                    guard let start = range.attribute("start"), let end = range.attribute("end") else { return nil }
                    return VirtualNetwork.DHCPRange(start: start, end: end)
                })
        }
    }
}
