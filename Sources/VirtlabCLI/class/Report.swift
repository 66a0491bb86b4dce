import Services
import ArgumentParser
import Foundation
import Humanize

extension ClassCommand {
    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report", abstract: "The gradebook: students × labs, points, last attempt, flags.",
            discussion: """
                Points come from the latest live grade ('class grade'), else the latest verified submission \
                ('class collect'). Flagged submissions earn nothing and are listed. With one lab, each student's \
                row says where the points come from.
                """)
        @OptionGroup var target: Directory
        @Argument(help: "Labs (default: the class's labs).") var labs: [String] = []
        @Option(help: "text or json.") var format = "text"
        @Flag(help: ArgumentHelp("Check every stored signature (live grades: the teacher's key; submissions: the "
                                 + "student's) and that the points kept beside them are the signed ones; exits 1 on a mismatch."))
        var verify = false
        @OptionGroup var locations: LabCommand.Locations

        func validate() throws {
            guard ["text", "json"].contains(format) else { throw ValidationError("--format \(format): use text or json") }
        }

        func run() async throws {
            let service = target.service
            if verify { return try verifySignatures(service) }
            let table = try service.table(labs: try service.labs(labs, catalog: locations.catalog).map(\.id))
            print(format == "json" ? try table.json() : table.text())
        }

        func verifySignatures(_ service: ClassService) throws {
            let (checked, mismatches) = try service.verifySignatures()
            for mismatch in mismatches { print(mismatch) }
            print("\(checked) signed attempt\(checked == 1 ? "" : "s") checked: "
                  + (mismatches.isEmpty ? "every one matches its signature" : "\(mismatches.count) do not"))
            if !mismatches.isEmpty { throw ExitCode(1) }
        }
    }
}
