import Services
import ArgumentParser
import Foundation
import Humanize
import LabFormat

/// `virtlab lab ...`: find, read, validate, check, grade, solve and reset labs.
struct LabCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lab", abstract: "Guided lab exercises: list, show, up, start, check, answer, grade, solve, reset, down, validate; submit to a class.",
        subcommands: [List.self, Show.self, Up.self, Status.self, Start.self, Check.self, Answer.self, Grade.self, Solve.self, Reset.self,
                      Down.self, Submit.self, Receive.self,
                      FeedbackCommand.self, Validate.self,
                      SchemaCommand.self])

    /// Whose lab it is: the named student, else the one the lab was released to on this host (with their
    /// class's hash), else $USER.
    struct Selection: ParsableArguments {
        @OptionGroup var locations: Locations
        @Argument(help: "The lab's id.") var id: String
        @Option(help: "The student's name (default: $USER); parameters such as VM names derive from it.")
        var student: String?
        @Option(help: "libvirt URI for domain, network and pool checks (default: the usual choice).")
        var uri: String?
        @Flag(help: "Run a lab from a --labs directory after reviewing its commands.") var trust = false

        /// The lab, refused (with its commands shown) when it comes from a --labs directory without --trust.
        func lab() throws -> Lab {
            let catalog = locations.catalog
            let lab = try Labs.find(id, in: catalog)
            guard catalog.isTrusted(lab) || trust else {
                for line in Labs.commands(of: lab) { print("  \(line)") }
                throw UserFacingError("\(lab.file) comes from a directory given with --labs; it would run the commands "
                                      + "above: review them, then add --trust")
            }
            return lab
        }

        func work() throws -> LabWork {
            LabWork(try lab(), student: student, uri: uri)
        }

        /// The lab's work and the steps chosen, once its requirements are met (else refused, or noted).
        func prepare(step: String? = nil, refuseUnmet: Bool = true) async throws -> (work: LabWork, steps: Set<String>?) {
            let work = try work()
            let steps = try work.steps(step)
            let unmet = await work.unmet()
            if refuseUnmet && !unmet.isEmpty {
                throw UserFacingError("lab '\(work.lab.id)' cannot run here: " + unmet.joined(separator: "; "))
            }
            for problem in unmet { Output.note("unmet requirement: \(problem)") }
            return (work, steps)
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check", abstract: "Check a step (or the whole lab) and show each check with its evidence.")
        @OptionGroup var selection: Selection
        @Option(help: "Only this step.") var step: String?

        func run() async throws {
            let (work, steps) = try await selection.prepare(step: step)
            let report = await work.grade(steps: steps)
            try work.save(report)
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
            let (work, _) = try await selection.prepare(refuseUnmet: false)
            let report = await work.grade()
            try work.save(report)
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
            let (work, steps) = try await selection.prepare(step: step)
            try report(await work.solve(steps: steps), done: "solved", failed: "solution")
        }
    }

    struct Start: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "start", abstract: "Check the lab's requirements and run its setup (what the steps start from).")
        @OptionGroup var selection: Selection
        @Option(help: "Only this step.") var step: String?

        func run() async throws {
            let (work, steps) = try await selection.prepare(step: step)
            try report(await work.setUp(steps: steps), done: "set up", failed: "setup")
            let lab = work.lab
            if lab.environment != nil {
                Output.note("\(lab.id) brings its own environment: 'virtlab lab up \(lab.id)' makes it, 'lab status \(lab.id)' says how it stands")
            }
            print("\(lab.id) is ready: 'virtlab lab show \(lab.id)' for the steps, 'virtlab lab check \(lab.id)' to check")
        }
    }

    /// One line per step run; the first failure ends the command with its first line of error output.
    static func report(_ ran: [StepRun], done: String, failed: String) throws {
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
            commandName: "reset", abstract: "Start the lab over: its cleanup commands, its environment back to the baseline, progress forgotten.",
            discussion: "A lab with an environment ('lab up') has each machine reverted to the snapshot taken when 'lab up' "
                + "made it, each container made anew, and each network there and active.")
        @OptionGroup var selection: Selection
        @OptionGroup var explain: ExplainOption

        func run() async throws {
            let work = try selection.work()
            let environment = work.lab.environment.map { _ in try? LabEnvironment(work) } ?? nil
            guard !explain.explain else {
                for line in work.cleanupCommands { print(line) }
                if let environment { try await resetEnvironment(environment, explain: true) }
                return
            }
            for (stepID, outcome) in await work.cleanUp() where outcome.status != 0 || outcome.timedOut {
                Output.note("cleanup of step '\(stepID)' ended with status \(outcome.status)")
            }
            if let environment { try await resetEnvironment(environment, explain: false) }
            let forgot = work.forgetProgress()
            if environment != nil {
                print("\(work.lab.id) is reset: its environment is back to the baseline\(forgot ? ", progress cleared" : "")")
            } else {
                print(forgot ? "progress in \(work.lab.id) cleared" : "no saved progress in \(work.lab.id)")
            }
        }

        private func resetEnvironment(_ environment: LabEnvironment, explain: Bool) async throws {
            try await environment.withPlaces(uri: selection.uri, doing: "reset \(environment.labID)") { places in
                try await EnvironmentRun.perform(try await environment.resetPlan(places), explain: explain, uri: places.uri,
                                                 lab: environment.labID, resume: "run 'virtlab lab reset \(environment.labID)' again")
            }
        }
    }

    struct Locations: ParsableArguments {
        @Option(name: .customLong("labs"), help: "Another directory of lab files (repeatable).")
        var extra: [String] = []

        var catalog: LabCatalog { Settings.current.labCatalog(extra: extra) }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the labs found.")
        @OptionGroup var locations: Locations

        func run() async throws {
            let catalog = locations.catalog
            let (labs, problems) = catalog.load()
            var table = TextTable(headers: ["ID", "STEPS", "CHECKS", "POINTS", "OBJECTIVES", "TITLE", "FROM"])
            for lab in labs {
                table.add([lab.id, "\(lab.steps.count)", "\(lab.checkCount)", "\(lab.points)",
                           lab.objectives.joined(separator: ","), lab.title, LabCatalog.origin(of: lab)])
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
            let lab = try Labs.find(id, in: locations.catalog)
            let work = LabWork(lab, student: student, uri: nil)
            let values = work.parameters
            print("\(lab.title)  [\(lab.id)]  \(lab.points) points")
            if !lab.objectives.isEmpty { print("Objectives: \(lab.objectives.joined(separator: ", "))") }
            if !lab.requirements.isEmpty { print("Needs: \(lab.requirements.map(\.rawValue).joined(separator: ", "))") }
            if !lab.parameters.isEmpty {
                print("Values for \(values.values["student"] ?? work.student): "
                      + lab.parameters.keys.sorted().map { "\($0) = \(values.values[$0] ?? "")" }.joined(separator: ", "))
            }
            if !lab.description.isEmpty { print("\n" + values.expand(lab.description.trimmingCharacters(in: .whitespacesAndNewlines))) }
            if let environment = lab.environment?.expanded(values) {
                print("\nEnvironment ('virtlab lab up \(lab.id)' makes it, 'lab status \(lab.id)' compares):")
                for line in environment.summary { print("   \(line)") }
            }
            for (index, step) in lab.steps.enumerated() {
                print("\n\(index + 1). \(values.expand(step.title))")
                for line in values.expand(step.instructions.trimmingCharacters(in: .whitespacesAndNewlines))
                    .split(separator: "\n", omittingEmptySubsequences: false) {
                    print("   \(line)")
                }
                for check in step.checks where check.points > 0 {
                    print("   [\(check.points) pt\(check.points == 1 ? "" : "s")] \(values.expand(check.title))")
                    if let question = work.questions.first(where: { $0.check == check.id }) {
                        for line in Answer.lines(question, lab: lab.id, answered: work.answer(to: question)) { print("      " + line) }
                    }
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
        @Flag(help: "Print the environment's and the check primitives' reference as markdown instead (docs/lab-format.md's generated sections).")
        var markdown = false

        func run() {
            print(markdown ? Labs.referenceDocument : Labs.jsonSchema)
        }
    }
}
