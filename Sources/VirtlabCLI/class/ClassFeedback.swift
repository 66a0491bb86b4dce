import Services
import ArgumentParser
import Foundation
import Humanize
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
            let service = target.service
            let written = try service.writeFeedback(lab: lab, students: only, exchange: exchange, catalog: locations.catalog)
            if let exchange {
                return print("wrote feedback for \(written.count) students in \(service.path)/feedback/\(lab) and \(exchange)")
            }
            let done = Mutex(0), total = written.count
            let sent = try await service.sendFeedback(lab: lab, written) { student, failure in
                let count = done.withLock { $0 += 1; return $0 }
                ClassCommand.progressLine(count, of: total, "\(student.id): " + (failure ?? "sent"))
            }
            var rows = TextTable(headers: ["STUDENT", "HOST", "FEEDBACK"])
            for (student, failure) in sent { rows.add([student.id, student.ssh, failure ?? "sent"]) }
            print(rows.render())
            if sent.contains(where: { $0.1 != nil }) { throw ExitCode(1) }
        }
    }
}
