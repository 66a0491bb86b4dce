import CLibvirt
import Foundation

/// The mark a lab's environment leaves in each VM it makes (`<metadata>`): which lab, for which student. `lab down`
/// removes a VM only when the mark (or the UUID it recorded) says it made it, never a same-named VM of the user's.
public struct LabMark: Sendable, Equatable, Codable {
    public static let namespace = "https://virtlab.dev/xmlns/lab/1"
    public let lab: String
    public let student: String

    public init(lab: String, student: String) { (self.lab, self.student) = (lab, student) }

    /// The element inside a domain's `<metadata>`.
    public var element: String {
        "<virtlab:lab xmlns:virtlab='\(Self.namespace)' lab='\(MetadataAttribute.escaped(lab))' "
            + "student='\(MetadataAttribute.escaped(student))'/>"
    }

    /// The mark read back from the element libvirt returns (its own prefix and quotes).
    init?(element: String) {
        guard let lab = MetadataAttribute.value("lab", in: element),
              let student = MetadataAttribute.value("student", in: element) else { return nil }
        self.init(lab: lab, student: student)
    }
}

/// Attributes of virtlab's one-element marks in a domain's `<metadata>`, written and read back.
enum MetadataAttribute {
    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: "'", with: "&apos;")
    }

    /// The attribute's value in the element libvirt returns (its own prefix and quotes, its own escapes).
    static func value(_ name: String, in element: String) -> String? {
        guard let match = element.firstMatch(of: try! Regex("\\s\(name)=(['\"])([^'\"]*)\\1")) else { return nil }
        return String(match.output[2].substring ?? "").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
    }

    /// The element of `namespace` in the domain's metadata, nil where it has none.
    static func element(_ namespace: String, of domain: OpaquePointer) -> String? {
        guard let raw = virDomainGetMetadata(domain, Int32(VIR_DOMAIN_METADATA_ELEMENT.rawValue), namespace, 0) else {
            virResetLastError()  // "no metadata" is the normal answer for other VMs
            return nil
        }
        defer { free(raw) }
        return String(cString: raw)
    }
}

extension Domain {
    /// The lab that made this VM, or nil for a VM no lab's environment made.
    public func labMark() -> LabMark? { MetadataAttribute.element(LabMark.namespace, of: pointer).flatMap(LabMark.init(element:)) }
}
