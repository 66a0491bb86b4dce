import Foundation

/// The grade in the forms people and tools read: text for the student, JSON for scripts, JUnit and TAP
/// for CI systems, Markdown for a teacher's notes.
public enum ReportFormat: String, CaseIterable, Sendable {
    case text, json, junit, tap, markdown

    public func render(_ report: LabReport) -> String {
        switch self {
        case .text: Self.text(report)
        case .json: Self.json(report)
        case .junit: Self.junit(report)
        case .tap: Self.tap(report)
        case .markdown: Self.markdown(report)
        }
    }

    static func mark(_ status: CheckResult.Status) -> String {
        switch status {
        case .pass: "PASS"
        case .fail: "FAIL"
        case .skipped: "SKIP"
        case .error: "ERROR"
        }
    }

    static func percent(_ report: LabReport) -> String { String(format: "%.0f%%", report.percent) }

    static func text(_ report: LabReport) -> String {
        var lines = ["\(report.title) [\(report.lab)], student \(report.student)"]
        for step in report.steps {
            lines.append("")
            lines.append("\(step.title)  \(step.earned)/\(step.possible)")
            for result in step.results {
                lines.append("  \(mark(result.status).padding(toLength: 5, withPad: " ", startingAt: 0)) \(result.title)"
                             + (result.points > 0 ? "  (\(result.earned)/\(result.points))" : ""))
                guard result.status != .pass else {
                    // A pass says something only when there is more to learn: a question's reason.
                    if let message = result.message { lines.append("        \(message)") }
                    continue
                }
                if let expected = result.expected { lines.append("        expected: \(expected)") }
                if let got = result.got { lines.append("        got:      \(got)") }
                if let command = result.command { lines.append("        ran:      \(command)") }
                if let output = result.output, !output.isEmpty {
                    lines.append("        output:   " + output.split(separator: "\n").prefix(5).joined(separator: "\n                  "))
                }
                if let message = result.message { lines.append("        \(message)") }
            }
        }
        lines.append("")
        lines.append("Grade: \(report.earned)/\(report.possible) points (\(percent(report)))")
        return lines.joined(separator: "\n")
    }

    static func json(_ report: LabReport) -> String {
        struct Document: Encodable {
            let report: LabReport
            let earned: Int, possible: Int, percent: Double
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        let data = (try? encoder.encode(Document(report: report, earned: report.earned, possible: report.possible,
                                                 percent: report.percent))) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// A report as `json` wrote it, or nil.
    public static func parseJSON(_ data: Data) -> LabReport? {
        struct Document: Decodable { let report: LabReport }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(Document.self, from: data).report
    }

    static func xml(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func junit(_ report: LabReport) -> String {
        let results = report.steps.flatMap(\.results)
        var lines = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
                     "<testsuites name=\"\(xml(report.lab))\" tests=\"\(results.count)\" "
                        + "failures=\"\(results.filter { $0.status == .fail }.count)\" "
                        + "errors=\"\(results.filter { $0.status == .error }.count)\">"]
        for step in report.steps {
            lines.append("  <testsuite name=\"\(xml(step.id))\" tests=\"\(step.results.count)\">")
            for result in step.results {
                let open = "    <testcase classname=\"\(xml(report.lab)).\(xml(step.id))\" name=\"\(xml(result.check))\""
                let detail = xml([result.expected.map { "expected: \($0)" }, result.got.map { "got: \($0)" },
                                  result.message].compactMap { $0 }.joined(separator: "; "))
                switch result.status {
                case .pass: lines.append(open + "/>")
                case .fail: lines += [open + ">", "      <failure message=\"\(detail)\"/>", "    </testcase>"]
                case .error: lines += [open + ">", "      <error message=\"\(detail)\"/>", "    </testcase>"]
                case .skipped: lines += [open + ">", "      <skipped message=\"\(detail)\"/>", "    </testcase>"]
                }
            }
            lines.append("  </testsuite>")
        }
        lines.append("</testsuites>")
        return lines.joined(separator: "\n")
    }

    static func tap(_ report: LabReport) -> String {
        let results = report.steps.flatMap(\.results)
        var lines = ["TAP version 13", "1..\(results.count)"]
        for (index, result) in results.enumerated() {
            let name = "\(result.step)/\(result.check) - \(result.title)"
            switch result.status {
            case .pass: lines.append("ok \(index + 1) \(name)")
            case .skipped: lines.append("ok \(index + 1) \(name) # SKIP \(result.message ?? "")")
            case .fail, .error:
                lines.append("not ok \(index + 1) \(name)")
                for line in [result.expected.map { "expected: \($0)" }, result.got.map { "got: \($0)" }, result.message]
                    .compactMap({ $0 }) { lines.append("  # \(line)") }
            }
        }
        return lines.joined(separator: "\n")
    }

    static func markdown(_ report: LabReport) -> String {
        var lines = ["# \(report.title)", "", "Student: \(report.student) · Grade: **\(report.earned)/\(report.possible)** "
                     + "(\(percent(report)))", ""]
        for step in report.steps {
            lines += ["## \(step.title) (\(step.earned)/\(step.possible))", "", "| check | result | points | details |",
                      "|---|---|---|---|"]
            for result in step.results {
                let details = [result.expected.map { "expected \($0)" }, result.got.map { "got \($0)" }, result.message]
                    .compactMap { $0 }.joined(separator: "; ").replacingOccurrences(of: "|", with: "\\|")
                lines.append("| \(result.title) | \(mark(result.status)) | \(result.earned)/\(result.points) | "
                             + "\(result.status == .pass ? "" : details) |")
            }
            lines.append("")
        }
        return lines.joined(separator: "\n")
    }
}
