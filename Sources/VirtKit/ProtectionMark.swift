import CLibvirt
import Foundation

/// A protected VM's mark (`<metadata>`, on its home host and on the copy of its definition kept on the standby):
/// where it runs and where it is started when that host is lost.
public struct ProtectionMark: Sendable, Equatable {
    public static let namespace = "https://virtlab.dev/xmlns/protection/1"
    public let home: String
    public let standby: String

    public init(home: String, standby: String) { (self.home, self.standby) = (home, standby) }

    var element: String {
        "<protection home='\(MetadataAttribute.escaped(home))' standby='\(MetadataAttribute.escaped(standby))'/>"
    }

    init?(element: String) {
        guard let home = MetadataAttribute.value("home", in: element),
              let standby = MetadataAttribute.value("standby", in: element) else { return nil }
        self.init(home: home, standby: standby)
    }
}

extension Domain {
    public func protectionMark() -> ProtectionMark? {
        MetadataAttribute.element(ProtectionMark.namespace, of: pointer).flatMap(ProtectionMark.init(element:))
    }

    /// Sets the mark (nil removes it) in the persistent definition, and in the live one while it runs.
    public func setProtectionMark(_ mark: ProtectionMark?) throws {
        var flags = VIR_DOMAIN_AFFECT_CONFIG.rawValue
        if virDomainIsActive(pointer) == 1 { flags |= VIR_DOMAIN_AFFECT_LIVE.rawValue }
        try check("mark '\(name)' as protected", virDomainSetMetadata(pointer, Int32(VIR_DOMAIN_METADATA_ELEMENT.rawValue),
                                                                      mark?.element, mark == nil ? nil : "virtlab",
                                                                      ProtectionMark.namespace, flags))
    }
}
