import Services
import ArgumentParser
import Foundation
import Humanize
import Synchronization

extension ClassCommand {
    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "release", abstract: "Send labs to the students' hosts: their parameters and a fresh nonce.",
            discussion: """
                For each student and lab, runs 'virtlab lab receive' on the student's host over ssh (as 'class \
                grade' does) with the lab file on its standard input: the host keeps that file and grades it with \
                the student's own parameters (from the class secret, which stays here), and a bundle the student \
                submits carries the nonce and the file's digest. Labs of your own go in DIR/labs (each must load, \
                or nothing is sent). Releasing a lab again issues a new nonce: bundles made before it are then \
                reported as replayed.
                """)
        @OptionGroup var target: Directory
        @Argument(help: "Labs to release (default: the class's labs).") var labs: [String] = []
        @Option(name: .customLong("student"), help: "Only this student (repeatable).") var only: [String] = []
        @OptionGroup var locations: LabCommand.Locations

        func run() async throws {
            let service = target.service
            let labs = try service.labs(self.labs, catalog: locations.catalog)
            let total = try service.students(only).chosen.count * labs.count
            let done = Mutex(0)
            let results = try await service.release(labs: labs, students: only) { released in
                let count = done.withLock { $0 += 1; return $0 }
                ClassCommand.progressLine(count, of: total, "\(released.student.id) \(released.lab): " + (released.failure ?? "released"))
            }
            var table = TextTable(headers: ["STUDENT", "HOST", "LAB", "RELEASE"])
            for released in results {
                table.add([released.student.id, released.student.ssh, released.lab, released.failure ?? "released"])
            }
            print(ClassCommand.flaggingVersions(table, results.map(\.versionMismatch), directory: target.directory).render())
            if results.contains(where: { $0.failure != nil }) { throw ExitCode(1) }
        }
    }
}
