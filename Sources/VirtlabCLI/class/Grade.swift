import ArgumentParser
import Foundation
import Synchronization
import Humanize
import LabFormat
import Services

extension ClassCommand {
    struct Grade: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "grade", abstract: "Grade every student where they work: over ssh, on their host.",
            discussion: """
                Runs 'virtlab lab grade LAB --student ID --format json' on each host with the system ssh \
                (your ~/.ssh/config, agent, ProxyJump and known_hosts apply, or class.yaml's ssh_config; \
                BatchMode, one connection per host), at most 'parallelism' hosts at once, each within \
                'host_timeout_seconds'. A host that cannot be reached, has no virtlab or times out is a row that \
                says so. Each host is printed on standard error as it finishes, then the table on standard \
                output. Every row goes into the class's gradebook (gradebook.sqlite), the host's report signed \
                with the class's teacher key (.teacher_key). Exits 1 when anything is short of full marks, \
                unless --exit-zero.
                """)
        @OptionGroup var target: Directory
        @Argument(help: "Labs to grade (default: the class's labs).") var labs: [String] = []
        @Option(name: .customLong("student"), help: "Only this student (repeatable).") var only: [String] = []
        @Option(help: "text, json or csv.") var format = "text"
        @Flag(help: "Exit 0 even when not everything is full marks.") var exitZero = false
        @OptionGroup var locations: LabCommand.Locations

        func validate() throws {
            guard ["text", "json", "csv"].contains(format) else { throw ValidationError("--format \(format): use text, json or csv") }
        }

        func run() async throws {
            let service = target.service
            let labs = try service.labs(self.labs, catalog: locations.catalog).map(\.id)
            let (_, students) = try service.students(only)
            let total = students.count * labs.count
            let done = Mutex(0)
            let grades = try await service.gradeLive(labs: labs, students: students.map(\.id)) { grade in
                let count = done.withLock { $0 += 1; return $0 }
                ClassCommand.progressLine(count, of: total, "\(grade.student.id) \(grade.lab): \(grade.summary)")
            }
            print(Self.render(grades, format: format, directory: target.directory))
            let short = grades.contains { grade in
                if case .graded(let earned, let possible) = grade.outcome { return earned < possible }
                return true
            }
            if short && !exitZero { throw ExitCode(1) }
        }

        static func render(_ grades: [HostGrade], format: String, directory: String) -> String {
            switch format {
            case "json":
                let rows = grades.map { grade -> [String: Any] in
                    var row: [String: Any] = ["student": grade.student.id, "lab": grade.lab, "host": grade.student.ssh,
                                              "status": grade.summary]
                    if let version = grade.hostVersion { row["virtlab_version"] = version }
                    if let mismatch = grade.versionMismatch { row["version_mismatch"] = mismatch }
                    if case .graded(let earned, let possible) = grade.outcome {
                        row["earned"] = earned
                        row["possible"] = possible
                    }
                    // The report as read (its words cleaned of control characters), not the host's own bytes.
                    if let report = grade.report.flatMap({ ReportFormat.parseJSON(Data($0.utf8)) }),
                       let parsed = try? JSONSerialization.jsonObject(with: Data(ReportFormat.json.render(report).utf8)) {
                        row["report"] = parsed
                    }
                    return row
                }
                let data = (try? JSONSerialization.data(withJSONObject: rows, options: [.prettyPrinted, .sortedKeys])) ?? Data()
                return String(decoding: data, as: UTF8.self)
            case "csv":
                return CSV.render([["student", "lab", "host", "earned", "possible", "status"]] + grades.map { grade in
                    var earned = "", possible = ""
                    if case .graded(let e, let p) = grade.outcome { (earned, possible) = ("\(e)", "\(p)") }
                    return [grade.student.id, grade.lab, grade.student.ssh, earned, possible, grade.summary]
                })
            default:
                var table = TextTable(headers: ["STUDENT", "HOST", "LAB", "RESULT"])
                for grade in grades { table.add([grade.student.id, grade.student.ssh, grade.lab, grade.summary]) }
                return ClassCommand.flaggingVersions(table, grades.map(\.versionMismatch), directory: directory).render()
            }
        }
    }
}
