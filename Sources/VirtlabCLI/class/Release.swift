import Services
import ArgumentParser
import Classroom
import Foundation
import Gradebook
import Humanize
import LabFormat
import LabGrader
import Synchronization

extension ClassCommand {
    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "release", abstract: "Send labs to the students' hosts: their parameters and a fresh nonce.",
            discussion: """
                For each student and lab, runs 'virtlab lab receive' on the student's host over ssh (as 'class \
                grade' does): the host then grades the lab with the student's own parameters (from the class \
                secret, which stays here), and a bundle the student submits carries the nonce. Releasing a lab \
                again issues a new nonce: bundles made before it are then reported as replayed.
                """)
        @OptionGroup var target: Directory
        @Argument(help: "Labs to release (default: the class's labs).") var labs: [String] = []
        @Option(name: .customLong("student"), help: "Only this student (repeatable).") var only: [String] = []
        @OptionGroup var locations: LabCommand.Locations

        func run() async throws {
            let directory = target.classDirectory
            let (config, secret) = (try directory.config(), try directory.secret())
            let labs = try ClassCommand.labs(self.labs, of: directory, catalog: locations.catalog)
            let (roster, students) = try ClassCommand.students(only, of: directory)
            let gradebook = try Gradebook(path: directory.gradebookFile)
            try gradebook.record(roster: roster)
            let hosts = ClassHosts(config: config, sshConfigFile: try directory.sshConfigFile())
            let work = students.flatMap { student in labs.map { lab in
                LabRelease(classID: secret.classID, className: config.name, lab: lab, student: student.id,
                           parameterHash: secret.parameterHash(lab: lab, student: student.id),
                           nonce: LabRelease.freshNonce(), releasedAt: Date())
            } }
            for release in work { try gradebook.record(release) }
            let done = Mutex(0)
            let results = await hosts.each(work, progress: { (release: LabRelease, failure: HostGrade.Outcome?) in
                let count = done.withLock { $0 += 1; return $0 }
                ClassCommand.progressLine(count, of: work.count, "\(release.student) \(release.lab): "
                                          + (failure?.summary ?? "released"))
            }) { release in
                let student = students.first { $0.id == release.student }!
                let run = await hosts.virtlab(["lab", "receive", release.lab, "--class", release.className,
                                               "--class-id", release.classID, "--student", release.student,
                                               "--hash", release.parameterHash, "--nonce", release.nonce], on: student)
                return (release, ClassHosts.failure(run, timeout: config.hostTimeoutSeconds))
            }

            var table = TextTable(headers: ["STUDENT", "HOST", "LAB", "RELEASE"])
            for (release, failure) in results {
                if failure == nil { try gradebook.markDelivered(release) }
                table.add([release.student, students.first { $0.id == release.student }?.ssh ?? "-", release.lab,
                           failure?.summary ?? "released"])
            }
            print(table.render())
            if results.contains(where: { $0.1 != nil }) { throw ExitCode(1) }
        }
    }
}
