import Services
import ArgumentParser
import Foundation
import Humanize

extension ClassCommand {
    struct Collect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "collect", abstract: "Import submitted result bundles, checking who signed them and what they carry.",
            discussion: """
                Give bundle files or directories (searched for *\(ResultBundle.fileSuffix) files, however deep, \
                as an LMS bulk download unpacks them; a folder or file named after a student says who handed it \
                in). Each bundle is checked against the enrolled keys and the gradebook, and reported as \
                verified, edited (changed after signing), copied (signed by one student but carrying another's \
                results, parameters, release or host, or handed in by another), replayed (an earlier release's \
                nonce) or unknown-signer. All are kept as evidence; only verified ones earn points. Importing \
                the same bundle again changes nothing. Exits 1 when any bundle is flagged or refused.
                """)
        @OptionGroup var target: Directory
        @Argument(help: "Bundle files or directories of them.") var paths: [String]

        func run() async throws {
            let collected = try target.service.collect(paths)
            var table = TextTable(headers: ["FILE", "STUDENT", "LAB", "POINTS", "VERDICT", "DETAIL"])
            for bundle in collected {
                table.add([bundle.file, bundle.student ?? "-", bundle.lab ?? "-", bundle.points ?? "-", bundle.verdict, bundle.detail])
            }
            print(ClassCommand.flaggingVersions(table, collected.map(\.versionMismatch), directory: target.directory).render())
            let refused = collected.filter(\.refused).count, flagged = collected.filter(\.flagged).count
            let again = collected.filter(\.alreadyThere).count
            print("\(collected.count - refused - again) imported, \(again) already there, \(flagged) flagged, \(refused) refused "
                  + "(see 'virtlab class report \(target.directory)')")
            if flagged + refused > 0 { throw ExitCode(1) }
        }
    }
}
