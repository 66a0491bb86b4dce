import Classroom
import Foundation
import Humanize
import LabFormat

/// A student's feedback on a lab, in markdown: the points that count and where they come from, any flags, the
/// report with every check's evidence, and the lab's hints for the steps not yet passed (with the student's
/// own values filled in).
public enum Feedback {
    public static func markdown(lab: Lab, student: Student, className: String, cell: ClassTable.Cell, report: LabReport?,
                                parameters: Parameters, now: Date = Date()) -> String {
        var lines = ["# Feedback: \(lab.title) [\(lab.id)]", "",
                     "For \(student.name) (\(student.id)) in \(className), \(Units.timestamp(now)).", ""]
        if let counted = cell.counted, let earned = cell.earned, let possible = cell.possible {
            let kind = counted.kind == .live ? "live grade of your host" : "result you submitted"
            lines += ["Counted: **\(earned)/\(possible)**, from the \(kind) on \(Units.timestamp(counted.at)).", ""]
        } else {
            lines += ["No grade counts yet" + (cell.last.map { " (last attempt: \($0.detail))" } ?? "") + ".", ""]
        }
        for flag in cell.flags {
            lines += ["> Flagged and not counted — \(flag). Talk to your teacher.", ""]
        }
        guard let report else { return lines.joined(separator: "\n") + "\n" }
        // The report's own headings go one level down, under this document's title.
        lines += ReportFormat.markdown.render(report).split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix("#") ? "#" + $0 : String($0) }
        let open = lab.steps.filter { step in
            !step.hints.isEmpty && !(report.steps.first { $0.id == step.id }?.allPassed ?? false)
        }
        if !open.isEmpty {
            lines += ["", "## Hints"]
            for step in open {
                lines += ["", "**\(parameters.expand(step.title))**", ""] + step.hints.map { "- " + parameters.expand($0) }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
