import Services
import ArgumentParser
import Classroom
import Foundation
import HostDoctor
import LabFormat
import LabGrader

extension LabCommand {
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
}
