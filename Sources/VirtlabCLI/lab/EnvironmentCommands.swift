import ArgumentParser
import Humanize
import Services

/// `virtlab lab up|status|down`, and the environment's part of `lab reset`: a lab's own networks, machines and
/// containers, each change printed with its command and kept in the log file.
extension LabCommand {
    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "up", abstract: "Make the lab's environment: what is missing, started where it should run.",
            discussion: "Idempotent: run it again and it makes only what is still missing (nothing twice). Each new "
                + "machine's state is kept as a snapshot (virtlab-baseline) that 'lab reset' returns to; a machine with "
                + "cloud-init is waited for (at most 10 minutes) until its guest agent answers and cloud-init has finished, so its baseline is the "
                + "booted guest. Refused before anything is made: a name taken by something the lab did not make (its "
                + "owner named), a requirement of the lab this host does not meet, a missing image, appliance, network or key, and "
                + "memory or disk space the host lacks.")
        @OptionGroup var selection: Selection
        @OptionGroup var explain: ExplainOption

        func run() async throws {
            let work = try selection.work()
            let environment = try LabEnvironment(work)
            try await environment.withPlaces(uri: selection.uri, doing: "bring up \(environment.labID)") { places in
                // Nothing is made for a lab that cannot run here (a second host it needs, say); --explain only shows.
                let unmet = explain.explain ? [] : await work.unmet()
                guard unmet.isEmpty else {
                    throw UserFacingError("lab '\(work.lab.id)' cannot run here: \(unmet.joined(separator: "; ")); nothing was changed")
                }
                let steps = try await environment.upPlan(places)
                guard !steps.isEmpty || explain.explain else {
                    return print("\(environment.labID)'s environment is up as declared; nothing to do")
                }
                try await EnvironmentRun.perform(steps, explain: explain.explain, uri: places.uri, lab: environment.labID,
                                                 resume: "run 'virtlab lab up \(environment.labID)' again to finish, "
                                                     + "or 'virtlab lab down \(environment.labID)' to remove it")
                if !explain.explain {
                    print("\(environment.labID)'s environment is up (\(steps.count) change\(steps.count == 1 ? "" : "s"))")
                }
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status", abstract: "Compare the lab's environment with what is there, item by item.")
        @OptionGroup var selection: Selection
        @Flag(help: "Print the items as JSON.") var json = false

        func run() async throws {
            let environment = try LabEnvironment(try selection.work())
            try await environment.withPlaces(uri: selection.uri, doing: "read \(environment.labID)'s environment") { places in
                let items = try await environment.status(places)
                if json { return try Output.json(items.map { ["kind": $0.kind.rawValue, "name": $0.name, "state": $0.stateText] }) }
                var table = TextTable(headers: ["KIND", "NAME", "STATE"])
                for item in items { table.add([item.kind.rawValue, item.name, item.stateText]) }
                print(table.render())
                let off = items.filter { $0.state != .asDeclared }
                if off.isEmpty {
                    print(items.count == 1 ? "its one item is as declared" : "all \(items.count) items as declared")
                } else if off.allSatisfy({ $0.state == .missing }) && off.count == items.count {
                    print("not up: 'virtlab lab up \(environment.labID)' makes it")
                } else {
                    print("\(off.count) of \(items.count) items differ: 'virtlab lab up \(environment.labID)' makes and starts "
                          + "what is missing, 'virtlab lab reset \(environment.labID)' returns to the baseline")
                }
            }
        }
    }

    struct Down: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "down", abstract: "Remove what 'lab up' made: its containers, machines (with their disks) and networks.",
            discussion: "Only what 'lab up' recorded making, checked by UUID or id: a same-named object the lab did not "
                + "make is left alone and said. --purge also removes the machines and containers that carry this "
                + "lab's and student's mark though the record of them was lost.")
        @OptionGroup var selection: Selection
        @Flag(help: "Also remove what carries the lab's mark but is not in its record.") var purge = false
        @OptionGroup var explain: ExplainOption

        func run() async throws {
            let environment = try LabEnvironment(try selection.work())
            try await environment.withPlaces(uri: selection.uri, doing: "take down \(environment.labID)") { places in
                let (steps, leftAlone) = try await environment.downPlan(places, purge: purge)
                for item in leftAlone {
                    Output.note("left \(item.kind.rawValue) \(item.name) alone: this lab did not make it"
                                + (item.owner.map { " (\($0) did)" } ?? ""))
                }
                guard !steps.isEmpty || explain.explain else {
                    environment.forgetIfEmpty()
                    return print("nothing to remove: \(environment.labID)'s environment is not up for \(environment.student)")
                }
                try await EnvironmentRun.perform(steps, explain: explain.explain, uri: places.uri, lab: environment.labID,
                                                 resume: "run 'virtlab lab down \(environment.labID)' again")
                if !explain.explain {
                    environment.forgetIfEmpty()
                    print("\(environment.labID)'s environment is down")
                }
            }
        }
    }
}

/// Running an environment's steps from the command line.
enum EnvironmentRun {
    /// Each step explained (its command printed) or done and said; the first failure stops the run, with what to
    /// do next: everything made so far is recorded.
    static func perform(_ steps: [LabEnvironment.Step], explain: Bool, uri: String, lab: String, resume: String) async throws {
        for step in steps {
            do {
                try await ActionRunner.record(uri, step.what, step.command, explain: explain) { try await step.perform() }
            } catch {
                Output.error("\(step.what): \(UserMessage.line(for: error))")
                Output.note("what was done before is recorded: \(resume)")
                throw ExitCode(1)
            }
        }
    }
}
