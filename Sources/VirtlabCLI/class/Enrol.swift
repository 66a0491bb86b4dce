import Services
import ArgumentParser
import Foundation

extension ClassCommand {
    struct Enrol: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "enrol", abstract: "Enrol a student's SSH public key: their submitted results are checked against it.",
            discussion: """
                Keys go into the class's allowed_signers file (ssh-keygen's format), one per student; enrolling a \
                student again replaces their key. Ask each student for the .pub of the key they sign with \
                (~/.ssh/id_ed25519.pub by default).
                """)
        @OptionGroup var target: Directory
        @Argument(help: "The student's id in the roster.") var student: String
        @Argument(help: "Their public key file (a .pub), or '-' to read it from standard input.") var keyFile: String

        func run() async throws {
            let text: String? = keyFile == "-"
                ? String(data: FileHandle.standardInput.readDataToEndOfFile(), encoding: .utf8)
                : try? String(contentsOfFile: keyFile, encoding: .utf8)
            let file = try target.service.enrol(student: student, publicKey: text, from: keyFile)
            print("enrolled \(student)'s key in \(file)")
        }
    }
}
