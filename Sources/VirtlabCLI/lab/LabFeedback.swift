import Services
import ArgumentParser
import Foundation

extension LabCommand {
    struct FeedbackCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "feedback", abstract: "Show your teacher's feedback on a lab (sent with 'virtlab class feedback').")
        @Argument(help: "The lab's id.") var id: String
        @Flag(help: "Keep the feedback read from standard input (what 'virtlab class feedback' runs over ssh).")
        var receive = false

        func run() async throws {
            guard receive else { return print(try StudentSide.feedback(lab: id), terminator: "") }
            let data = FileHandle.standardInput.readData(ofLength: 4 << 20)
            guard let text = String(data: data, encoding: .utf8), !text.isEmpty else {
                throw UserFacingError("no feedback on standard input (expected markdown text)")
            }
            try StudentSide.keepFeedback(text, lab: id)
            print("feedback on \(id) received: 'virtlab lab feedback \(id)' shows it")
        }
    }
}
