import Services
import ArgumentParser
import Foundation
import Humanize
import Inventory

/// `virtlab ct ...`: containers on the Docker-compatible engine (Docker or Podman's API service).
struct ContainerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ct", abstract: "List and control containers (Docker or Podman, through the Engine API).",
        discussion: "The engine: DOCKER_HOST=unix://PATH, else Podman's and Docker's usual sockets.",
        subcommands: [List.self] + plain + [Stop.self, Restart.self, Remove.self, Logs.self, Exec.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List containers.")
        @Flag(help: "Print JSON instead of a table.") var json = false
        @Flag(name: .shortAndLong, help: "Only running containers.") var running = false

        func run() async throws {
            let includeStopped = !running
            let (uri, containers) = try await Engine.using("list containers") { engine in
                (engine.uri, try await engine.containers(includeStopped: includeStopped))
            }
            if json { return try Output.json(containers.map(ContainerRow.init)) }
            print("Containers on \(uri)")
            print(ContainerRow.table(containers.map(ContainerRow.init)))
        }
    }

    /// Start, pause, unpause: one subcommand for each plain container action of the table, made from its rule.
    struct Plain<Operation: ContainerOperation & PlainAction>: AsyncParsableCommand {
        static var configuration: CommandConfiguration { .action(Operation.self) }
        @Argument(help: "The container's name or id.") var name: String
        @OptionGroup var explain: ExplainOption
        func run() async throws { try await change(name, ContainerAction(Operation()), explain: explain.explain) }
    }

    static var plain: [any ParsableCommand.Type] {
        func subcommand<Each: ContainerOperation & PlainAction>(_: Each.Type) -> any ParsableCommand.Type { Plain<Each>.self }
        return ContainerAction.table.compactMap { $0 as? any (ContainerOperation & PlainAction).Type }.map { subcommand($0) }
    }

    struct Stop: AsyncParsableCommand {
        static let configuration = CommandConfiguration.action(StopContainer.self)
        @Argument(help: "The container's name or id.") var name: String
        @OptionGroup var explain: ExplainOption
        @Option(help: "Seconds to wait before killing.") var time = 10
        func run() async throws { try await change(name, ContainerAction(StopContainer(graceSeconds: time)), explain: explain.explain) }
    }

    struct Restart: AsyncParsableCommand {
        static let configuration = CommandConfiguration.action(RestartContainer.self)
        @Argument(help: "The container's name or id.") var name: String
        @OptionGroup var explain: ExplainOption
        @Option(help: "Seconds to wait before killing.") var time = 10
        func run() async throws {
            try await change(name, ContainerAction(RestartContainer(graceSeconds: time)), explain: explain.explain)
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration.action(RemoveContainer.self)
        @Argument(help: "The container's name or id.") var name: String
        @OptionGroup var explain: ExplainOption
        @Flag(name: .shortAndLong, help: "Stop it first if it is running.") var force = false
        @Flag(help: "Confirm: this cannot be undone.") var yes = false

        func run() async throws {
            guard yes || explain.explain else {
                throw UserFacingError("removing container '\(name)' loses the files changed inside it: add --yes "
                    + "to confirm")
            }
            try await change(name, ContainerAction(RemoveContainer(force: force)), explain: explain.explain)
        }
    }

    struct Logs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a container's output (stdout and stderr).")
        @Argument(help: "The container's name or id.") var name: String
        @Option(name: .shortAndLong, help: "How many lines from the end.") var tail = 200

        func run() async throws {
            let name = name, tail = tail
            let frames = try await Engine.using("read the logs of \(name)") { try await $0.logs(name, tail: tail) }
            FileHandle.standardOutput.write(frames.stdout)
            FileHandle.standardError.write(frames.stderr)
            if frames.truncated { Output.note("output cut at 1 MiB; use --tail to see less") }
        }
    }

    struct Exec: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a command inside a running container.",
            discussion: """
                Without --tty the command's output is printed and virtlab exits with its status. With --tty it \
                gets a terminal (e.g. 'virtlab ct exec -t web sh'); Ctrl-] leaves.
                """)
        @Flag(name: .shortAndLong, help: "Attach a terminal, for interactive programs such as a shell.") var tty = false
        @Argument(help: "The container's name or id.") var name: String
        @Argument(parsing: .captureForPassthrough, help: "The command and its arguments.") var command: [String]

        /// The command as typed, without the `--` that may separate it from virtlab's options.
        private var argv: [String] { command.first == "--" ? Array(command.dropFirst()) : command }

        func validate() throws {
            guard !argv.isEmpty else { throw ValidationError("name the command to run, e.g. 'sh'") }
        }

        func run() async throws {
            let name = name, argv = argv
            if tty {
                let (end, exitCode) = try await Self.interactive(name, argv)
                if end == .userLeft { Output.note("left \(name); the command goes on running inside it") }
                if let exitCode, exitCode != 0 { throw ExitCode(exitCode) }
                return
            }
            let result = try await Engine.using("run \(argv[0]) in \(name)") { try await $0.run(argv, in: name) }
            FileHandle.standardOutput.write(Data(result.stdout.utf8))
            FileHandle.standardError.write(Data(result.stderr.utf8))
            if result.truncated { Output.note("output cut at 64 KiB") }
            if result.exitCode != 0 { throw ExitCode(result.exitCode) }
        }

        /// A command with the user's terminal attached, in raw mode, until it exits or Ctrl-] is pressed.
        /// Returns how it ended and, when the command exited, its status.
        static func interactive(_ name: String, _ argv: [String]) async throws -> (ShellEnd, Int32?) {
            let terminal = try await Engine.using("start \(argv[0]) in \(name)") { try await $0.terminal(argv, in: name) }
            let end = try await terminal.relay()
            guard end == .ended else { return (end, nil) }
            return (end, await terminal.exitCode())
        }
    }
}

/// A row of the container table, and its JSON shape.
struct ContainerRow: Encodable {
    let kind = "container"
    let name: String
    let id: String
    let state: String
    let status: String
    let image: String
    let ports: [String]
    let created: Date

    init(_ summary: ContainerSummary) {
        name = summary.name
        id = String(summary.id.prefix(12))
        state = summary.state.rawValue
        status = summary.status
        image = summary.image
        ports = summary.ports.map(\.label)
        created = summary.created
    }

    static func table(_ rows: [ContainerRow]) -> String {
        guard !rows.isEmpty else { return "  none; create one with your engine's CLI (podman run / docker run)" }
        var table = TextTable(headers: ["NAME", "STATE", "IMAGE", "PORTS", "CREATED", "ID"])
        for row in rows.sorted(by: { $0.name < $1.name }) {
            table.add([row.name, row.state, row.image, row.ports.isEmpty ? "-" : row.ports.joined(separator: ", "),
                       Units.ago(row.created), row.id])
        }
        return table.render()
    }
}

/// A container action of the table, explained or done (refused first in a state the table forbids), and logged.
private func change(_ name: String, _ action: ContainerAction, explain: Bool) async throws {
    try await ActionRunner.record("container engine", "\(action.verb) \(name)", action.command(for: name), explain: explain) {
        try await Engine.using("\(action.verb) \(name)") { try await $0.perform(action, on: name) }
    }
}
