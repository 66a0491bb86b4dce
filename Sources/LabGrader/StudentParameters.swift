import Digests
import Foundation
import LabFormat

extension Parameters {
    /// A student's values for a lab: `{hash}` is six hex digits of SHA-256 over the lab and the student, or the
    /// given `hash` (a class derives it from its secret: see `ClassSecret`).
    public init(lab: Lab, student: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                hash given: String? = nil) {
        let safe = Self.sanitize(student)
        let hash = given ?? Digests.hex(Digests.sha256(Data("\(lab.id)/\(safe)".utf8)).prefix(3))
        var values = ["student": safe, "hash": hash, "cloud_image": CloudImage.path(environment) ?? ""]
        for (name, template) in lab.parameters {
            values[name] = Self.environmentValues(in: template, environment)
                .replacingOccurrences(of: "{student}", with: safe).replacingOccurrences(of: "{hash}", with: hash)
        }
        self.init(values: values)
    }
}
