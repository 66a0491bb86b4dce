import Services
import ArgumentParser
import Classroom
import Foundation
import HostDoctor
import LabFormat
import LabGrader

extension LabCommand {
    struct FeedbackCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "feedback", abstract: "Show your teacher's feedback on a lab (sent with 'virtlab class feedback').")
        @Argument(help: "The lab's id.") var id: String
        @Flag(help: "Keep the feedback read from standard input (what 'virtlab class feedback' runs over ssh).")
        var receive = false

        func run() async throws {
            let inbox = StudentInbox()
            guard receive else {
                guard let text = inbox.feedback(lab: id) else {
                    throw UserFacingError("no feedback on '\(id)' yet: your teacher sends it with 'virtlab class feedback'")
                }
                return print(text, terminator: "")
            }
            let data = FileHandle.standardInput.readData(ofLength: 4 << 20)
            guard let text = String(data: data, encoding: .utf8), !text.isEmpty else {
                throw UserFacingError("no feedback on standard input (expected markdown text)")
            }
            do { try inbox.saveFeedback(text, lab: id) } catch {
                throw UserFacingError("cannot keep the feedback in \(inbox.feedbackDirectory): \((error as NSError).localizedDescription)")
            }
            print("feedback on \(id) received: 'virtlab lab feedback \(id)' shows it")
        }
    }
}
