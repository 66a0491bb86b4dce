import Services
import ArgumentParser
import Foundation

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
            let (work, _) = try await selection.prepare(refuseUnmet: false)
            let (report, file, key) = try await StudentSide.submit(work, key: key, output: output)
            print("\(report.earned)/\(report.possible) points in \(selection.id), signed with \(key): hand in \(file)")
        }
    }
}
