import Services
import ArgumentParser
import Foundation
import Humanize

extension ClassCommand {
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export", abstract: "Write the grades for an LMS: csv, moodle or json.",
            discussion: """
                moodle writes Moodle's grade import CSV: 'Email address' identifies each student (the roster's \
                email column), then one column of points and one of feedback per lab; in Moodle, Grades > \
                Import > CSV file, map 'Email address' to the user's email and each lab to its grade item. csv \
                writes id, name, email, one column per lab and the flags. Written atomically.
                """)
        @OptionGroup var target: Directory
        @Argument(help: "Labs (default: the class's labs).") var labs: [String] = []
        @Option(help: "csv, moodle or json.") var format = "csv"
        @Option(name: .shortAndLong, help: "Write to this file instead of standard output.") var output: String?
        @OptionGroup var locations: LabCommand.Locations

        func validate() throws {
            guard ["csv", "moodle", "json"].contains(format) else {
                throw ValidationError("--format \(format): use csv, moodle or json")
            }
        }

        func run() async throws {
            let service = target.service
            let students = try service.roster()
            if format == "moodle", let missing = students.first(where: { $0.email.isEmpty }) {
                throw UserFacingError("\(missing.id) has no email in the roster: Moodle's import identifies students by it")
            }
            let table = try service.table(labs: try service.labs(labs, catalog: locations.catalog).map(\.id), students: students)
            let text = switch format {
            case "moodle": table.moodle()
            case "json": try table.json() + "\n"
            default: table.csv()
            }
            guard let output else { return FileHandle.standardOutput.write(Data(text.utf8)) }
            do { try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic) } catch {
                throw UserFacingError("cannot write \(output): \((error as NSError).localizedDescription)")
            }
            print("wrote \(output): \(students.count) students, \(table.labs.count) lab\(table.labs.count == 1 ? "" : "s")")
        }
    }
}
