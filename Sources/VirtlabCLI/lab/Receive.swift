import Services
import ArgumentParser
import Foundation

extension LabCommand {
    struct Receive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "receive", abstract: "Take a lab released by your teacher ('virtlab class release' runs this over ssh).",
            discussion: """
                Keeps the release in $XDG_DATA_HOME/virtlab/releases/LAB.json, and the lab file sent with it as \
                LAB.yaml beside it: from then on this host grades that file for that student with the class's \
                parameters, and 'virtlab lab submit LAB' signs a result carrying the release's nonce and the \
                file's digest. A new release of the lab replaces the old one.
                """)
        @OptionGroup var locations: Locations
        @Argument(help: "The lab's id.") var id: String
        @Option(name: .customLong("class"), help: "The class's name.") var className: String
        @Option(help: "The class's id (16 hex digits).") var classId: String
        @Option(help: "The student's id in the class.") var student: String
        @Option(help: "The student's parameter hash (6 hex digits).") var hash: String
        @Option(help: "The release's nonce (32 hex digits).") var nonce: String
        @Option(help: ArgumentHelp("The lab file released ('-': standard input), kept and graded here instead of this host's copy.",
                                   valueName: "file")) var labFile: String?

        func validate() throws {
            func hex(_ text: String, _ count: Int) -> Bool { text.count == count && text.allSatisfy(\.isHexDigit) }
            guard hex(classId, 16) else { throw ValidationError("--class-id \(classId): expected 16 hex digits") }
            guard hex(hash, 6) else { throw ValidationError("--hash \(hash): expected 6 hex digits") }
            guard hex(nonce, 32) else { throw ValidationError("--nonce \(nonce): expected 32 hex digits") }
            guard StudentSide.isValidStudentID(student) else {
                throw ValidationError("--student \(student): use letters, digits, '-', '_' or '.'")
            }
        }

        func run() async throws {
            let sent: Data?
            switch labFile {
            case nil: sent = nil
            case "-": sent = FileHandle.standardInput.readDataToEndOfFile()
            case let path?:
                guard let data = FileManager.default.contents(atPath: path) else { throw UserFacingError("cannot read \(path)") }
                sent = data
            }
            try StudentSide.receive(lab: id, className: className, classID: classId, student: student, hash: hash, nonce: nonce,
                                    labFile: sent, catalog: locations.catalog)
            print(StudentSide.receivedLine(lab: id, student: student, className: className))
        }
    }
}
