import Crypto
import Foundation
import LabFormat

extension Parameters {
    /// A student's values for a lab: `{hash}` is six hex digits of SHA-256 over the lab and the student.
    public init(lab: Lab, student: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        let safe = Self.sanitize(student)
        let digest = SHA256.hash(data: Data("\(lab.id)/\(safe)".utf8))
        let hash = digest.prefix(3).map { String(format: "%02x", $0) }.joined()
        var values = ["student": safe, "cloud_image": CloudImage.path(environment) ?? ""]
        for (name, template) in lab.parameters {
            values[name] = Self.environmentValues(in: template, environment)
                .replacingOccurrences(of: "{student}", with: safe).replacingOccurrences(of: "{hash}", with: hash)
        }
        self.init(values: values)
    }
}
