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
            let directory = target.classDirectory
            let inspector = try BundleInspector(directory: directory)
            let gradebook = try Gradebook(path: directory.gradebookFile)
            try gradebook.record(roster: inspector.students)
            let files = try paths.flatMap(Self.bundleFiles)
            guard !files.isEmpty else { throw UserFacingError("no bundles in \(paths.joined(separator: ", "))") }
            var table = TextTable(headers: ["FILE", "STUDENT", "LAB", "POINTS", "VERDICT", "DETAIL"])
            var (added, again, flagged, refused) = (0, 0, 0, 0)
            for file in files {
                let shown = (file as NSString).lastPathComponent
                do {
                    guard let data = FileManager.default.contents(atPath: file) else {
                        throw ResultBundle.Unreadable(description: "cannot be read")
                    }
                    let bundle = try ResultBundle(file: data)
                    let verdict = try inspector.inspect(bundle, submittedBy: inspector.submitter(of: file),
                                                        records: try gradebook.records())
                    let outcome = try gradebook.import(bundle, verdict: verdict, source: file)
                    if case .alreadyThere = outcome { again += 1 } else { added += 1 }
                    if verdict.kind != .verified { flagged += 1 }
                    let report = bundle.payload.report
                    table.add([shown, bundle.payload.student, bundle.payload.lab,
                               verdict.kind == .verified ? "\(report.earned)/\(report.possible)" : "0/\(report.possible)",
                               verdict.kind.rawValue, {
                                   if case .alreadyThere = outcome { return "already in the gradebook: unchanged" }
                                   return verdict.detail
                               }()])
                } catch let error as ResultBundle.Unreadable {
                    refused += 1
                    table.add([shown, "-", "-", "-", "refused", error.description])
                } catch let error as BundleInspector.Refusal {
                    refused += 1
                    table.add([shown, "-", "-", "-", "refused", error.description])
                }
            }
            print(table.render())
            print("\(added) imported, \(again) already there, \(flagged) flagged, \(refused) refused "
                  + "(see 'virtlab class report \(target.directory)')")
            if flagged + refused > 0 { throw ExitCode(1) }
        }

        /// A file as given; a directory's bundle-like files, depth first, in name order.
        static func bundleFiles(_ path: String) throws -> [String] {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw UserFacingError("\(path): no such file or directory")
            }
            guard isDirectory.boolValue else { return [path] }
            let found = (FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? [])
                .filter { $0.hasSuffix(ResultBundle.fileSuffix) }
            return found.sorted().map { path + "/" + $0 }
        }
    }
}
