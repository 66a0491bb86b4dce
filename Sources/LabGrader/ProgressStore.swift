import Foundation
import HostDoctor
import LabFormat

/// Saved grades, so a dropped SSH session loses nothing: one JSON file per lab and student under
/// `$XDG_STATE_HOME/virtlab/progress/`, written atomically.
public struct ProgressStore: Sendable {
    public let directory: String

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        directory = StateDirectory.path(environment) + "/progress"
    }

    public func path(lab: String, student: String) -> String { "\(directory)/\(lab)--\(Parameters.sanitize(student)).json" }

    /// Saves a report, keeping the saved results of steps it did not check (checking one step must not
    /// forget the others). Returns what was saved.
    @discardableResult
    public func save(_ report: LabReport, order: [String] = []) throws -> LabReport {
        var steps = load(lab: report.lab, student: report.student)?.steps ?? []
        for step in report.steps {
            if let index = steps.firstIndex(where: { $0.id == step.id }) { steps[index] = step } else { steps.append(step) }
        }
        if !order.isEmpty { steps.sort { (order.firstIndex(of: $0.id) ?? .max) < (order.firstIndex(of: $1.id) ?? .max) } }
        let merged = LabReport(lab: report.lab, title: report.title, student: report.student, date: report.date, steps: steps,
                               virtlabVersion: report.virtlabVersion)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data(ReportFormat.json.render(merged).utf8).write(to: URL(fileURLWithPath: path(lab: report.lab,
                                                                                        student: report.student)),
                                                          options: .atomic)
        return merged
    }

    /// The saved progress, if any (a file that does not read back is treated as none).
    public func load(lab: String, student: String) -> LabReport? {
        guard let data = FileManager.default.contents(atPath: path(lab: lab, student: student)) else { return nil }
        return ReportFormat.parseJSON(data)
    }

    /// Forgets a student's progress in a lab; true when there was some.
    public func reset(lab: String, student: String) -> Bool {
        (try? FileManager.default.removeItem(atPath: path(lab: lab, student: student))) != nil
    }
}
