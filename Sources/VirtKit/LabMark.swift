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
        func attribute(_ text: String) -> String {
            text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
                .replacingOccurrences(of: "'", with: "&apos;")
        }
        return "<virtlab:lab xmlns:virtlab='\(Self.namespace)' lab='\(attribute(lab))' student='\(attribute(student))'/>"
    }

    /// The mark read back from the element libvirt returns (its own prefix and quotes).
    init?(element: String) {
        func attribute(_ name: String) -> String? {
            guard let match = element.firstMatch(of: try! Regex("\\s\(name)=(['\"])([^'\"]*)\\1")) else { return nil }
            return String(match.output[2].substring ?? "").replacingOccurrences(of: "&apos;", with: "'")
                .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&amp;", with: "&")
        }
        guard let lab = attribute("lab"), let student = attribute("student") else { return nil }
        self.init(lab: lab, student: student)
    }
}

extension Domain {
    /// The lab that made this VM, or nil for a VM no lab's environment made.
    public func labMark() -> LabMark? {
        guard let raw = virDomainGetMetadata(pointer, Int32(VIR_DOMAIN_METADATA_ELEMENT.rawValue), LabMark.namespace, 0) else {
            virResetLastError()  // "no metadata" is the normal answer for other VMs
            return nil
        }
        defer { free(raw) }
        return LabMark(element: String(cString: raw))
    }
}
