import Services
import ArgumentParser
import Classroom
import Foundation
import HostDoctor
import LabFormat
import LabGrader

/// The student's side of a class: a released lab arrives, a signed result goes back.
extension LabCommand {
    struct Receive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "receive", abstract: "Take a lab released by your teacher ('virtlab class release' runs this over ssh).",
            discussion: """
                Keeps the release in $XDG_DATA_HOME/virtlab/releases/LAB.json: from then on this host grades the \
                lab for that student with the class's parameters, and 'virtlab lab submit LAB' signs a result \
                carrying the release's nonce. A new release of the lab replaces the old one.
                """)
        @OptionGroup var locations: Locations
        @Argument(help: "The lab's id.") var id: String
        @Option(name: .customLong("class"), help: "The class's name.") var className: String
        @Option(help: "The class's id (16 hex digits).") var classId: String
        @Option(help: "The student's id in the class.") var student: String
        @Option(help: "The student's parameter hash (6 hex digits).") var hash: String
        @Option(help: "The release's nonce (32 hex digits).") var nonce: String

        func validate() throws {
            func hex(_ text: String, _ count: Int) -> Bool { text.count == count && text.allSatisfy(\.isHexDigit) }
            guard hex(classId, 16) else { throw ValidationError("--class-id \(classId): expected 16 hex digits") }
            guard hex(hash, 6) else { throw ValidationError("--hash \(hash): expected 6 hex digits") }
            guard hex(nonce, 32) else { throw ValidationError("--nonce \(nonce): expected 32 hex digits") }
            guard Parameters.sanitize(student) == student.filter({ $0 != "." }), !student.isEmpty else {
                throw ValidationError("--student \(student): use letters, digits, '-', '_' or '.'")
            }
        }

        func run() async throws {
            guard locations.catalog.load().labs.contains(where: { $0.id == id }) else {
                throw UserFacingError("no lab '\(id)' on this host (its virtlab is older, or the lab is not installed)")
            }
            let release = LabRelease(classID: classId, className: className, lab: id, student: student,
                                     parameterHash: hash, nonce: nonce, releasedAt: Date())
            do { try StudentInbox().keep(release) } catch {
                throw UserFacingError("cannot keep the release in \(StudentInbox().releaseDirectory): \((error as NSError).localizedDescription)")
            }
            print("received \(id) for \(student) from class \(className)")
        }
    }

    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "submit", abstract: "Grade a released lab and write a result signed with your SSH key, to hand in.",
            discussion: """
                The bundle holds the report with every check's evidence, the lab file's SHA-256, your student id, \
                this host's identity (machine-id, system UUID, host name), the time and the release's nonce, \
                signed with 'ssh-keygen -Y sign -n \(SSHSignature.resultNamespace)'. Your teacher checks it against \
                the public key you gave them ('virtlab class enrol'): a changed byte, another student's results \
                or an old release are found. The key: --key, else $VIRTLAB_SSH_IDENTITY, else ~/.ssh/id_ed25519, \
                id_ecdsa or id_rsa (a .pub works when the agent holds its private half).
                """)
        @OptionGroup var selection: Selection
        @Option(help: "The SSH key to sign with.") var key: String?
        @Option(name: .shortAndLong, help: "Where to write the bundle (default: LAB-STUDENT\(ResultBundle.fileSuffix) here).")
        var output: String?

        func run() async throws {
            let lab = try selection.lab()
            guard let release = StudentInbox().release(lab: lab.id) else {
                throw UserFacingError("lab '\(lab.id)' was not released to this host: results are signed for a class "
                                      + "(your teacher runs 'virtlab class release'); to grade for yourself, run 'virtlab lab grade \(lab.id)'")
            }
            if let named = selection.student, named != release.student {
                throw UserFacingError("lab '\(lab.id)' was released to \(release.student) here, not \(named)")
            }
            let key = try signingKey()
            guard let labFile = FileManager.default.contents(atPath: lab.file) else {
                throw UserFacingError("cannot read \(lab.file)")
            }
            let (_, _, grader) = try await selection.prepare(refuseUnmet: false)
            let report = await grader.grade()
            try ProgressStore().save(report, order: lab.steps.map(\.id))
            let identity = SystemIdentity.probe()
            let host = HostIdentity(machineID: identity.machineID.first?.value,
                                    systemUUID: identity.systemUUID.lazy.compactMap(\.value).first,
                                    hostName: ProcessInfo.processInfo.hostName)
            let payload = ResultPayload(release: release, labDigest: labFile.sha256Hex, host: host, submittedAt: Date(),
                                        report: report)
            let bundle: ResultBundle
            do { bundle = try ResultBundle(signing: payload, key: key) } catch let error as SSHSignature.Failure {
                throw UserFacingError(error.description + " (a key with a passphrase needs ssh-agent)")
            }
            let file = output ?? "\(lab.id)-\(release.student)\(ResultBundle.fileSuffix)"
            do { try bundle.fileData().write(to: URL(fileURLWithPath: file), options: .atomic) } catch {
                throw UserFacingError("cannot write \(file): \((error as NSError).localizedDescription)")
            }
            print("\(report.earned)/\(report.possible) points in \(lab.id), signed with \(key): hand in \(file)")
        }

        func signingKey() throws -> String {
            let environment = ProcessInfo.processInfo.environment
            if let key = key ?? environment["VIRTLAB_SSH_IDENTITY"].flatMap({ $0.isEmpty ? nil : $0 }) {
                guard FileManager.default.fileExists(atPath: key) else { throw UserFacingError("no key at \(key)") }
                return key
            }
            let home = environment["HOME"] ?? NSHomeDirectory()
            guard let found = ["id_ed25519", "id_ecdsa", "id_rsa"].map({ "\(home)/.ssh/\($0)" })
                .first(where: FileManager.default.fileExists) else {
                throw UserFacingError("no SSH key to sign with: make one with 'ssh-keygen -t ed25519', give your teacher "
                                      + "the .pub, or name one with --key")
            }
            return found
        }
    }

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
