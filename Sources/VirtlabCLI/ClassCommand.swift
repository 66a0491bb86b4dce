import ArgumentParser
import Classroom
import Foundation
import Humanize
import LabFormat
import LabGrader

/// `virtlab class …`: the teacher's side — a class directory, its roster, each student's lab parameters.
struct ClassCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "class", abstract: "For teachers: a class of student hosts (roster, per-student parameters).",
        discussion: """
            A class is a directory: class.yaml (name, labs, roster file, parallelism, host timeout), the roster \
            (roster.csv with the columns \(Roster.csvHeader), or an Ansible inventory in INI or YAML form), and \
            .secret (mode 0600), the key each student's lab parameters are derived from. Keep .secret to \
            yourself: with it anyone can compute every student's values.
            """,
        subcommands: [Init.self, RosterList.self, Params.self])

    struct Directory: ParsableArguments {
        @Argument(help: "The class directory.") var directory: String
        var classDirectory: ClassDirectory { ClassDirectory(path: directory) }
    }

    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init", abstract: "Make a class directory: class.yaml, an empty roster.csv, a fresh secret.")
        @OptionGroup var target: Directory
        @Option(help: "The class's name (default: the directory's).") var name: String?
        @Option(name: .customLong("lab"), help: "A lab the class takes (repeatable; see 'virtlab lab list').")
        var labs: [String] = []
        @OptionGroup var locations: LabCommand.Locations

        func run() throws {
            let known = Set(locations.catalog.load().labs.map(\.id))
            if let unknown = labs.first(where: { !known.contains($0) }) {
                throw UserFacingError("no lab '\(unknown)' (run 'virtlab lab list' to see the ids)")
            }
            let made = try ClassDirectory.create(at: target.directory,
                                                 name: name ?? (target.directory as NSString).lastPathComponent,
                                                 labs: labs)
            print("made class \(made.path): class.yaml, roster.csv (add one line per student: \(Roster.csvHeader)), "
                  + ".secret (keep it to yourself)")
        }
    }

    struct RosterList: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "roster", abstract: "List the class's students and their hosts, checking the roster.")
        @OptionGroup var target: Directory
        @Flag(help: "Print JSON instead of a table.") var json = false

        func run() throws {
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

    struct Params: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "params", abstract: "Each student's values of a lab's parameters, from the class secret.")
        @OptionGroup var target: Directory
        @Argument(help: "The lab's id.") var lab: String
        @OptionGroup var locations: LabCommand.Locations
        @Flag(help: "Print JSON instead of a table.") var json = false

        func run() throws {
            let directory = target.classDirectory
            let (students, secret) = (try directory.roster().students, try directory.secret())
            guard let lab = locations.catalog.load().labs.first(where: { $0.id == lab }) else {
                throw UserFacingError("no lab '\(self.lab)' (run 'virtlab lab list' to see the ids)")
            }
            let names = lab.parameters.keys.sorted()
            let rows = students.map { student in
                let values = Parameters(lab: lab, student: student.id, environment: [:],
                                        hash: secret.parameterHash(lab: lab.id, student: Parameters.sanitize(student.id)))
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
}
