import Services
import ArgumentParser
import Classroom
import ContainerKit
import Foundation
import ProcessRunner
import Humanize
import LabFormat
import LabGrader
import VirtKit

/// `virtlab lab ...`: find, read, validate, check, grade, solve and reset labs.
struct LabCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lab", abstract: "Guided lab exercises: list, show, start, check, grade, solve, reset, validate; submit to a class.",
        subcommands: [List.self, Show.self, Start.self, Check.self, Grade.self, Solve.self, Reset.self, Submit.self, Receive.self,
                      FeedbackCommand.self, Validate.self,
                      SchemaCommand.self])

    /// Whose lab it is: the named student, else the one the lab was released to on this host (with their
    /// class's hash), else $USER.
    static func whose(_ lab: String, named student: String?) -> (name: String, hash: String?) {
        StudentInbox().student(for: lab, named: student, otherwise: ProcessInfo.processInfo.environment["USER"] ?? "student")
    }

    /// Which lab, for whom, on which hypervisor.
    struct Selection: ParsableArguments {
        @OptionGroup var locations: Locations
        @Argument(help: "The lab's id.") var id: String
        @Option(help: "The student's name (default: $USER); parameters such as VM names derive from it.")
        var student: String?
        @Option(help: "libvirt URI for domain, network and pool checks (default: the usual choice).")
        var uri: String?
        @Flag(help: "Run a lab from a --labs directory after reviewing its commands.") var trust = false

        var whose: (name: String, hash: String?) { LabCommand.whose(id, named: student) }

        func lab() throws -> Lab {
            let catalog = locations.catalog
            let (labs, problems) = catalog.load()
            guard let lab = labs.first(where: { $0.id == id }) else {
                if let problem = problems.first(where: { ($0.file as NSString).lastPathComponent.hasPrefix(id + ".") }) {
                    throw UserFacingError("lab '\(id)' has problems: \(problem) (run 'virtlab lab validate \(problem.file)')")
                }
                throw UserFacingError("no lab '\(id)' (run 'virtlab lab list' to see the ids)")
            }
            guard catalog.isTrusted(lab) || trust else {
                for line in LabCatalog.commands(of: lab) { print("  \(line)") }
                throw UserFacingError("\(lab.file) comes from a directory given with --labs; it would run the commands "
                                      + "above: review them, then add --trust")
            }
            return lab
        }

        /// The steps `--step` names (nil: all), refusing a step the lab does not have.
        func steps(of lab: Lab, _ step: String?) throws -> Set<String>? {
            guard let step else { return nil }
            guard lab.steps.contains(where: { $0.id == step }) else {
                throw UserFacingError("lab '\(lab.id)' has no step '\(step)' (steps: "
                                      + lab.steps.map(\.id).joined(separator: ", ") + ")")
            }
            return [step]
        }

        /// The lab, the steps `--step` names, and its grader on the connection (resolved once: without --uri
        /// that asks a daemon). What the lab needs and this machine lacks is said before anything runs:
        /// refused, or with `refuseUnmet: false` (a teacher collecting grades wants the report anyway) noted.
        func prepare(step: String? = nil, refuseUnmet: Bool = true) async throws
            -> (lab: Lab, steps: Set<String>?, grader: Grader)
        {
            let lab = try lab()
            let steps = try steps(of: lab, step)
            let libvirtURI = ConnectionChoice.resolve(flag: uri).uri
            let unmet = await Requirements.unmet(lab, libvirtURI: libvirtURI)
            if refuseUnmet && !unmet.isEmpty {
                throw UserFacingError("lab '\(lab.id)' cannot run here: " + unmet.joined(separator: "; "))
            }
            for problem in unmet { Output.note("unmet requirement: \(problem)") }
            let whose = self.whose
            return (lab, steps, Grader(lab: lab, student: whose.name, hash: whose.hash, libvirtURI: libvirtURI))
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check", abstract: "Check a step (or the whole lab) and show each check with its evidence.")
        @OptionGroup var selection: Selection
        @Option(help: "Only this step.") var step: String?

        func run() async throws {
            let (lab, steps, grader) = try await selection.prepare(step: step)
            let report = await grader.grade(steps: steps)
            try ProgressStore().save(report, order: lab.steps.map(\.id))
            print(ReportFormat.text.render(report))
            if !report.allPassed { throw ExitCode(1) }
        }
    }

    struct Grade: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "grade", abstract: "Grade the whole lab.",
            discussion: "Exits 0 at full marks and 1 otherwise (as goss does), so scripts and CI can act on a grade; "
                + "--exit-zero exits 0 whenever the report was made.")
        @OptionGroup var selection: Selection
        @Option(help: "text, json, junit, tap or markdown.") var format: String = "text"
        @Option(help: "Write the report to this file (atomically) instead of standard output.") var output: String?
        @Flag(help: "Exit 0 even when the grade is not full marks.") var exitZero = false

        func run() async throws {
            guard let chosen = ReportFormat(rawValue: format) else {
                throw UserFacingError("unknown format '\(format)' (use " + ReportFormat.allCases.map(\.rawValue)
                                      .joined(separator: ", ") + ")")
            }
            let (lab, _, grader) = try await selection.prepare(refuseUnmet: false)
            let report = await grader.grade()
            try ProgressStore().save(report, order: lab.steps.map(\.id))
            let text = chosen.render(report)
            if let output {
                do { try Data((text + "\n").utf8).write(to: URL(fileURLWithPath: output), options: .atomic) } catch {
                    throw UserFacingError("cannot write \(output): \((error as NSError).localizedDescription)")
                }
            } else {
                print(text)
            }
            if report.earned < report.possible && !exitZero { throw ExitCode(1) }
        }
    }

    struct Solve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "solve", abstract: "Run the reference solution (for teachers and tests).")
        @OptionGroup var selection: Selection
        @Option(help: "Only this step.") var step: String?

        func run() async throws {
            let (_, steps, grader) = try await selection.prepare(step: step)
            try report(await grader.solve(steps: steps), done: "solved", failed: "solution")
        }
    }

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "start", abstract: "Check the lab's requirements and run its setup (what the steps start from).")
        @OptionGroup var selection: Selection
        @Option(help: "Only this step.") var step: String?

        func run() async throws {
            let (lab, steps, grader) = try await selection.prepare(step: step)
            try report(await grader.setUp(steps: steps), done: "set up", failed: "setup")
            print("\(lab.id) is ready: 'virtlab lab show \(lab.id)' for the steps, 'virtlab lab check \(lab.id)' to check")
        }
    }

    /// One line per step run; the first failure ends the command with its first line of error output.
    static func report(_ ran: [(step: String, outcome: ProcessOutcome)], done: String, failed: String) throws {
        for (stepID, outcome) in ran {
            let ok = outcome.status == 0 && !outcome.timedOut
            print("\(stepID): \(ok ? done : "\(failed) failed (exit status \(outcome.status))")")
            if !ok {
                let reason = outcome.timedOut ? "it timed out" : outcome.stderr.split(separator: "\n").prefix(1).joined()
                throw UserFacingError("the \(failed) of step '\(stepID)' failed: \(reason)")
            }
        }
    }

    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset", abstract: "Undo what the lab made (its cleanup commands) and forget the progress.")
        @OptionGroup var selection: Selection

        func run() async throws {
            let lab = try selection.lab()
            let whose = selection.whose
            let grader = Grader(lab: lab, student: whose.name, hash: whose.hash,
                                libvirtURI: ConnectionChoice.resolve(flag: selection.uri).uri)
            for (stepID, outcome) in await grader.cleanUp() where outcome.status != 0 || outcome.timedOut {
                Output.note("cleanup of step '\(stepID)' ended with status \(outcome.status)")
            }
            let removed = ProgressStore().reset(lab: lab.id, student: whose.name)
            print(removed ? "progress in \(lab.id) cleared" : "no saved progress in \(lab.id)")
        }
    }

    struct Locations: ParsableArguments {
        @Option(name: .customLong("labs"), help: "Another directory of lab files (repeatable).")
        var extra: [String] = []

        var catalog: LabCatalog { LabCatalog(extra: extra) }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the labs found.")
        @OptionGroup var locations: Locations

        func run() async throws {
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

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Show a lab's steps and checks, with your values filled in.",
            discussion: "Values such as VM names are the student's: --student, else the one the lab was released to "
                + "on this host ('virtlab class release'), else $USER.")
        @OptionGroup var locations: Locations
        @Argument(help: "The lab's id.") var id: String
        @Option(help: "Whose values to fill in (default: as 'lab grade' would).") var student: String?

        func run() async throws {
            let (labs, _) = locations.catalog.load()
            guard let lab = labs.first(where: { $0.id == id }) else {
                throw UserFacingError("no lab '\(id)' (run 'virtlab lab list' to see the ids)")
            }
            let whose = LabCommand.whose(lab.id, named: student)
            let values = Parameters(lab: lab, student: whose.name, hash: whose.hash)
            print("\(lab.title)  [\(lab.id)]  \(lab.points) points")
            if !lab.objectives.isEmpty { print("Objectives: \(lab.objectives.joined(separator: ", "))") }
            if !lab.requirements.isEmpty { print("Needs: \(lab.requirements.map(\.rawValue).joined(separator: ", "))") }
            if !lab.parameters.isEmpty {
                print("Values for \(values.values["student"] ?? whose.name): "
                      + lab.parameters.keys.sorted().map { "\($0) = \(values.values[$0] ?? "")" }.joined(separator: ", "))
            }
            if !lab.description.isEmpty { print("\n" + values.expand(lab.description.trimmingCharacters(in: .whitespacesAndNewlines))) }
            for (index, step) in lab.steps.enumerated() {
                print("\n\(index + 1). \(values.expand(step.title))")
                for line in values.expand(step.instructions.trimmingCharacters(in: .whitespacesAndNewlines))
                    .split(separator: "\n", omittingEmptySubsequences: false) {
                    print("   \(line)")
                }
                for check in step.checks where check.points > 0 {
                    print("   [\(check.points) pt\(check.points == 1 ? "" : "s")] \(values.expand(check.title))")
                }
            }
        }
    }

    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "validate",
            abstract: "Check lab files; every problem is printed as file:line:column: message.")
        @Argument(help: "Lab files (YAML).") var files: [String]

        func run() async throws {
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

    struct SchemaCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "schema", abstract: "Print the lab format as a JSON Schema (the validator's own tables).")
        @Flag(help: "Print the check primitives' reference as markdown instead (docs/lab-format.md's section).")
        var markdown = false

        func run() {
            print(markdown ? Schema.primitivesDocument(Primitives.catalog) : Schema.jsonSchema(primitives: Primitives.catalog))
        }
    }
}
