import ArgumentParser
import Foundation
import Humanize
import LabKit

/// `virtlab lab ...`: the lab files. Checking and grading arrive with the grader; today: find, read, validate.
struct LabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lab", abstract: "Guided lab exercises: list, show and validate lab files.",
        subcommands: [List.self, Show.self, Validate.self])

    struct Locations: ParsableArguments {
        @Option(name: .customLong("labs"), help: "Another directory of lab files (repeatable).")
        var extra: [String] = []

        var catalog: LabCatalog { LabCatalog(extra: extra) }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the labs found.")
        @OptionGroup var locations: Locations

        func run() throws {
            let catalog = locations.catalog
            let (labs, problems) = catalog.load()
            guard !labs.isEmpty || !problems.isEmpty else {
                throw UserFacingError("no lab files found (looked in \(catalog.directories.joined(separator: ", ")))")
            }
            var table = TextTable(headers: ["ID", "STEPS", "CHECKS", "POINTS", "OBJECTIVES", "TITLE"])
            for lab in labs {
                table.add([lab.id, "\(lab.steps.count)", "\(lab.checkCount)", "\(lab.points)",
                           lab.objectives.joined(separator: ","), lab.title])
            }
            print(table.render())
            if !problems.isEmpty {
                let files = Set(problems.map(\.file)).sorted()
                Output.note("\(files.count) lab file(s) have problems and are not listed: \(files.joined(separator: ", ")) "
                            + "(run 'virtlab lab validate FILE')")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a lab's steps and checks.")
        @OptionGroup var locations: Locations
        @Argument(help: "The lab's id.") var id: String

        func run() throws {
            let (labs, _) = locations.catalog.load()
            guard let lab = labs.first(where: { $0.id == id }) else {
                throw UserFacingError("no lab '\(id)' (run 'virtlab lab list' to see the ids)")
            }
            print("\(lab.title)  [\(lab.id)]  \(lab.points) points")
            if !lab.objectives.isEmpty { print("Objectives: \(lab.objectives.joined(separator: ", "))") }
            if !lab.requirements.isEmpty { print("Needs: \(lab.requirements.map(\.rawValue).joined(separator: ", "))") }
            if !lab.description.isEmpty { print("\n" + lab.description.trimmingCharacters(in: .whitespacesAndNewlines)) }
            for (index, step) in lab.steps.enumerated() {
                print("\n\(index + 1). \(step.title)")
                for line in step.instructions.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n",
                        omittingEmptySubsequences: false) {
                    print("   \(line)")
                }
                for check in step.checks where check.points > 0 {
                    print("   [\(check.points) pt\(check.points == 1 ? "" : "s")] \(check.title)")
                }
            }
        }
    }

    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "validate",
            abstract: "Check lab files; every problem is printed as file:line:column: message.")
        @Argument(help: "Lab files (YAML).") var files: [String]

        func run() throws {
            var failed = 0
            for file in files {
                let (lab, problems) = LabLoader.load(file: file)
                for problem in problems { print(problem) }
                if let lab {
                    print("\(file): ok (\(lab.id): \(lab.steps.count) steps, \(lab.checkCount) checks, \(lab.points) points)")
                } else {
                    failed += 1
                }
            }
            if failed > 0 { throw ExitCode(1) }
        }
    }
}
