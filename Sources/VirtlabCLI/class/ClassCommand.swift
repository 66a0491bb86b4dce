import ArgumentParser
import Foundation
import Humanize
import LabFormat
import Services

/// `virtlab class …`: the teacher's side — a class directory, its roster, each student's lab parameters.
struct ClassCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "class",
        abstract: "For teachers: a class of student hosts — install, release, up/reset, grade live, collect, gradebook, export, feedback.",
        discussion: """
            A class is a directory: class.yaml (name, labs, roster file, parallelism, host timeout, ssh_config), \
            the roster (roster.csv with the columns \(ClassService.rosterColumns), or an Ansible inventory in INI or YAML \
            form), and .secret (mode 0600), the key each student's lab parameters are derived from. Keep .secret \
            to yourself: with it anyone can compute every student's values. virtlab adds allowed_signers (the \
            students' keys), .teacher_key, gradebook.sqlite and feedback/ as you go.

            The workflow: init, fill in the roster, install virtlab on the hosts, enrol each student's key, release \
            the labs, then grade live and/or collect what students submit ('virtlab lab submit'), report, export \
            for the LMS, send feedback. 'virtlab ui --class DIR' watches the room. Class defaults for \
            parallelism and the host timeout can go in your config file (see 'virtlab config show').
            """,
        subcommands: [Init.self, RosterList.self, Enrol.self, Params.self, Install.self, Release.self, Up.self, Reset.self, Grade.self, Collect.self,
                      Report.self, Export.self, FeedbackCommand.self])

    struct Directory: ParsableArguments {
        @Argument(help: "The class directory.") var directory: String
        var service: ClassService { ClassService(path: directory) }
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
            let made = try ClassService.create(at: target.directory, name: name, labs: labs, catalog: locations.catalog)
            print("made class \(made.path): class.yaml, roster.csv (add one line per student: \(ClassService.rosterColumns)), "
                  + ".secret (keep it to yourself)")
        }
    }

    struct RosterList: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "roster", abstract: "List the class's students and their hosts, checking the roster.")
        @OptionGroup var target: Directory
        @Flag(help: "Print JSON instead of a table.") var json = false

        func run() async throws {
            let students = try target.service.roster()
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
            let lab = try ClassService.known([lab], in: locations.catalog)[0]
            let names = lab.parameters.keys.sorted()
            let rows = try target.service.parameterValues(of: lab).map { row in (row.student, names.map { row.values[$0] ?? "" }) }
            if json {
                return try Output.json(Dictionary(uniqueKeysWithValues: rows.map { ($0.0, Dictionary(uniqueKeysWithValues: zip(names, $0.1))) }))
            }
            var table = TextTable(headers: ["STUDENT"] + names.map { $0.uppercased() })
            for (id, values) in rows { table.add([id] + values) }
            print(table.render())
        }
    }
}

/// What the class's subcommands share: choosing labs and students, each student's values, progress lines.
extension ClassCommand {
    static func progressLine(_ count: Int, of total: Int, _ text: String) {
        FileHandle.standardError.write(Data("[\(count)/\(total)] \(text)\n".utf8))
    }

    /// A table with a VERSION column when some row's host or bundle runs another virtlab than this one (the rows'
    /// `mismatches`, in order), and a line on standard error saying what to do; the table as it was otherwise.
    static func flaggingVersions(_ table: TextTable, _ mismatches: [String?], directory: String) -> TextTable {
        let flagged = mismatches.compactMap { $0 }.count
        guard flagged > 0 else { return table }
        var flaggedTable = TextTable(headers: table.headers + ["VERSION"])
        for (row, mismatch) in zip(table.rows, mismatches) { flaggedTable.add(row + [mismatch ?? ""]) }
        Output.note("\(flagged) row\(flagged == 1 ? "" : "s") flagged: another virtlab than \(virtlabVersion) there "
                    + "('virtlab class install \(directory)' installs this one)")
        return flaggedTable
    }
}
