import ArgumentParser
import Humanize
import Services
import Synchronization

extension ClassCommand {
    /// `class up` and `class reset`: one lab's environment on every student's host at once.
    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "up", abstract: "Bring up a lab's environment on every student's host ('virtlab lab up' there).",
            discussion: "Over the class's ssh, in parallel within its bound; one row per host. Release the lab first "
                + "(a lab of your own reaches the hosts that way); 'class reset' returns every host to the baseline.")
        @OptionGroup var run: EnvironmentOnHosts
        func run() async throws { try await run.perform("up") }
    }

    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset", abstract: "Return a lab's environment to its baseline on every student's host ('virtlab lab reset' there).",
            discussion: "Each host's machines go back to the snapshot taken by 'lab up', its containers are made anew, "
                + "and the student's progress in the lab is forgotten there (a fresh start for everyone).")
        @OptionGroup var run: EnvironmentOnHosts
        func run() async throws { try await run.perform("reset") }
    }

    struct EnvironmentOnHosts: ParsableArguments {
        @OptionGroup var target: Directory
        @Argument(help: "The lab whose environment it is.") var lab: String
        @Option(name: .customLong("student"), help: "Only this student (repeatable).") var only: [String] = []
        @OptionGroup var locations: LabCommand.Locations

        func perform(_ verb: String) async throws {
            let service = target.service
            let lab = try service.labs([lab], catalog: locations.catalog)[0]
            let total = try service.students(only).chosen.count
            let done = Mutex(0)
            let results = try await service.environment(verb, lab: lab, students: only) { host in
                let count = done.withLock { $0 += 1; return $0 }
                ClassCommand.progressLine(count, of: total, "\(host.student.id): " + (host.failure ?? host.said))
            }
            var table = TextTable(headers: ["STUDENT", "HOST", verb.uppercased()])
            for host in results { table.add([host.student.id, host.student.ssh, host.failure ?? host.said]) }
            print(table.render())
            if results.contains(where: { $0.failure != nil }) { throw ExitCode(1) }
        }
    }
}
