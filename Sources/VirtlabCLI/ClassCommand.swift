import ArgumentParser
import Classroom
import Foundation
import Gradebook
import Synchronization
import Humanize
import LabFormat
import LabGrader
import Services

/// `virtlab class …`: the teacher's side — a class directory, its roster, each student's lab parameters.
struct ClassCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "class",
        abstract: "For teachers: a class of student hosts — release, grade live, collect, gradebook, export, feedback.",
        discussion: """
            A class is a directory: class.yaml (name, labs, roster file, parallelism, host timeout, ssh_config), \
            the roster (roster.csv with the columns \(Roster.csvHeader), or an Ansible inventory in INI or YAML \
            form), and .secret (mode 0600), the key each student's lab parameters are derived from. Keep .secret \
            to yourself: with it anyone can compute every student's values. virtlab adds allowed_signers (the \
            students' keys), .teacher_key, gradebook.sqlite and feedback/ as you go.

            The workflow: init, fill in the roster, enrol each student's key, release the labs, then grade live \
            and/or collect what students submit ('virtlab lab submit'), report, export for the LMS, send \
            feedback. 'virtlab ui --class DIR' watches the room.
            """,
        subcommands: [Init.self, RosterList.self, Enrol.self, Params.self, Release.self, Grade.self, Collect.self,
                      Report.self, Export.self, FeedbackCommand.self])

    struct Directory: ParsableArguments {
        @Argument(help: "The class directory.") var directory: String
        var classDirectory: ClassDirectory { ClassDirectory(path: directory) }
    }

    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init", abstract: "Make a class directory: class.yaml, an empty roster.csv, a fresh secret.")
        @OptionGroup var target: Directory
        @Option(help: "The class's name (default: the directory's).") var name: String?
        @Option(name: .customLong("lab"), help: "A lab the class takes (repeatable; see 'virtlab lab list').")
        var labs: [String] = []
        @OptionGroup var locations: LabCommand.Locations

        func run() async throws {
            _ = try ClassCommand.known(labs, in: locations.catalog)
            let made = try ClassDirectory.create(at: target.directory,
                                                 name: name ?? (target.directory as NSString).lastPathComponent,
                                                 labs: labs)
            print("made class \(made.path): class.yaml, roster.csv (add one line per student: \(Roster.csvHeader)), "
                  + ".secret (keep it to yourself)")
        }
    }

    struct RosterList: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "roster", abstract: "List the class's students and their hosts, checking the roster.")
        @OptionGroup var target: Directory
        @Flag(help: "Print JSON instead of a table.") var json = false

        func run() async throws {
            let students = try target.classDirectory.roster().students
            if json { return try Output.json(students) }
            guard !students.isEmpty else { return print("no students yet: add lines to the roster") }
            var table = TextTable(headers: ["ID", "NAME", "EMAIL", "SSH", "URI"])
            for student in students {
                table.add([student.id, student.name, student.email, student.ssh, student.uri ?? "-"])
            }
            print(table.render())
            print("\(students.count) student\(students.count == 1 ? "" : "s")")
        }
    }

    struct Params: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "params", abstract: "Each student's values of a lab's parameters, from the class secret.")
        @OptionGroup var target: Directory
        @Argument(help: "The lab's id.") var lab: String
        @OptionGroup var locations: LabCommand.Locations
        @Flag(help: "Print JSON instead of a table.") var json = false

        func run() async throws {
            let directory = target.classDirectory
            let (students, secret) = (try directory.roster().students, try directory.secret())
            let lab = try ClassCommand.known([lab], in: locations.catalog)[0]
            let names = lab.parameters.keys.sorted()
            let rows = students.map { student in
                let values = ClassCommand.values(of: lab, for: student.id, secret: secret)
                return (student.id, names.map { values.expand("{{\($0)}}") })
            }
            if json {
                return try Output.json(Dictionary(uniqueKeysWithValues: rows.map { ($0.0, Dictionary(uniqueKeysWithValues: zip(names, $0.1))) }))
            }
            var table = TextTable(headers: ["STUDENT"] + names.map { $0.uppercased() })
            for (id, values) in rows { table.add([id] + values) }
            print(table.render())
        }
    }

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
            let directory = target.classDirectory
            let labs = try ClassCommand.labs(self.labs, of: directory, catalog: locations.catalog)
            let (_, students) = try ClassCommand.students(only, of: directory)
            let total = students.count * labs.count
            let done = Mutex(0)
            let grades = try await ClassService(directory: directory).gradeLive(labs: labs, students: students.map(\.id)) { grade in
                let count = done.withLock { $0 += 1; return $0 }
                ClassCommand.progressLine(count, of: total, "\(grade.student.id) \(grade.lab): \(grade.summary)")
            }
            print(Self.render(grades, format: format))
            let short = grades.contains { grade in
                if case .graded(let earned, let possible) = grade.outcome { return earned < possible }
                return true
            }
            if short && !exitZero { throw ExitCode(1) }
        }

        static func render(_ grades: [HostGrade], format: String) -> String {
            switch format {
            case "json":
                let rows = grades.map { grade -> [String: Any] in
                    var row: [String: Any] = ["student": grade.student.id, "lab": grade.lab, "host": grade.student.ssh,
                                              "status": grade.summary]
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
                return table.render()
            }
        }
    }
}
