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
    struct FeedbackCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "feedback", abstract: "Write each student's feedback on a lab and send it to their host.",
            discussion: """
                From the gradebook: the points that count and where they come from, any flags, the report with \
                every check's evidence, and the lab's hints for the steps not passed, with the student's own \
                values. Each is kept in the class directory (feedback/LAB/STUDENT.md) and sent over ssh to the \
                student's host, where 'virtlab lab feedback LAB' shows it; with --exchange it goes into \
                EXCHANGE/STUDENT/LAB-feedback.md instead (a shared directory, as nbgrader's exchange).
                """)
        @OptionGroup var target: Directory
        @Argument(help: "The lab's id.") var lab: String
        @Option(name: .customLong("student"), help: "Only this student (repeatable).") var only: [String] = []
        @Option(help: "A shared directory to put the feedback in instead of sending it over ssh.") var exchange: String?
        @OptionGroup var locations: LabCommand.Locations

        func run() async throws {
            let directory = target.classDirectory
            let (config, secret) = (try directory.config(), try directory.secret())
            let lab = try ClassCommand.known([self.lab], in: locations.catalog)[0]
            let students = try ClassCommand.students(only, of: directory).chosen
            let gradebook = try Gradebook(path: directory.gradebookFile)
            let table = try ClassTable(gradebook: gradebook, students: students, labs: [lab.id])
            var written: [(Student, String)] = []
            for student in students {
                let cell = table.cell(student.id, lab.id)
                let text = Feedback.markdown(
                    lab: lab, student: student, className: config.name, cell: cell,
                    report: try (cell.counted ?? cell.last).flatMap { try gradebook.report(of: $0) },
                    parameters: ClassCommand.values(of: lab, for: student.id, secret: secret))
                let file = "\(directory.path)/feedback/\(lab.id)/\(student.id).md"
                try Self.write(text, to: file)
                if let exchange { try Self.write(text, to: "\(exchange)/\(student.id)/\(lab.id)-feedback.md") }
                written.append((student, file))
            }
            guard exchange == nil else {
                return print("wrote feedback for \(written.count) students in \(directory.path)/feedback/\(lab.id) and \(exchange!)")
            }
            let hosts = ClassHosts(config: config, sshConfigFile: try directory.sshConfigFile())
            let done = Mutex(0)
            let work = written
            let sent = await hosts.each(work, progress: { (student: Student, failure: HostGrade.Outcome?) in
                let count = done.withLock { $0 += 1; return $0 }
                ClassCommand.progressLine(count, of: work.count, "\(student.id): " + (failure?.summary ?? "sent"))
            }) { student, file in
                let run = await hosts.virtlab(["lab", "feedback", lab.id, "--receive"], on: student, inputFile: file)
                return (student, ClassHosts.failure(run, timeout: config.hostTimeoutSeconds))
            }

            var rows = TextTable(headers: ["STUDENT", "HOST", "FEEDBACK"])
            for (student, failure) in sent { rows.add([student.id, student.ssh, failure?.summary ?? "sent"]) }
            print(rows.render())
            if sent.contains(where: { $0.1 != nil }) { throw ExitCode(1) }
        }

        static func write(_ text: String, to file: String) throws {
            do {
                try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent,
                                                        withIntermediateDirectories: true)
                try Data(text.utf8).write(to: URL(fileURLWithPath: file), options: .atomic)
            } catch {
                throw UserFacingError("cannot write \(file): \((error as NSError).localizedDescription)")
            }
        }
    }
}
