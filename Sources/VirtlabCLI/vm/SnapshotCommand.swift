import Services
import ArgumentParser
import Foundation
import Humanize
import Inventory

/// `virtlab vm snapshot list|create|revert|delete`: create and revert take several VMs (`--match`, `--all`), so a
/// teacher resets a room of VMs to `clean` in one step.
struct SnapshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot", abstract: "List (as a tree), create, revert to and delete VMs' snapshots.",
        subcommands: [List.self, Create.self, Revert.self, Delete.self])

    /// `VM… SNAPSHOT`, or `--match GLOB SNAPSHOT` / `--all SNAPSHOT`.
    struct Selected: ParsableArguments {
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The VMs' names, then the snapshot's name.") var words: [String] = []
        @Option(help: "Every VM whose name matches this shell pattern, e.g. 'lab-*'.") var match: String?
        @Flag(help: "Every VM on the connection.") var all = false

        var snapshot: String { words.last ?? "" }
        var choice: VMChoice { VMChoice(names: Array(words.dropLast()), match: match, all: all) }

        func validate() throws {
            guard !words.isEmpty else { throw ValidationError("name the snapshot last: VM… SNAPSHOT (or --all SNAPSHOT)") }
            try choice.validate()
        }
    }

    struct Named: ParsableArguments {
        @OptionGroup var target: VMCommand.Target
        @Argument(help: "The snapshot's name.") var snapshot: String
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A VM's snapshots as a tree: parents above their children, the current one marked.",
            discussion: "Same as: virsh snapshot-list NAME --tree.")
        @OptionGroup var target: VMCommand.Target
        @Flag(help: "Print JSON instead of a tree.") var json = false

        func run() async throws {
            let (host, vm) = try target.vm()
            if json { return try Output.json(try host.snapshots(vm)) }
            let tree = try host.snapshotTree(vm)
            guard !tree.isEmpty else { return print("no snapshots of \(target.name)") }
            print(Self.render(tree))
        }

        static func render(_ nodes: [SnapshotNode]) -> String {
            let rows = SnapshotTree.rows(nodes)
            var table = TextTable(headers: ["NAME", "CURRENT", "KIND", "STATE", "CREATED", "DESCRIPTION"])
            for row in rows {
                let node = row.node
                table.add([row.prefix + node.name, node.isCurrent ? "*" : "", node.isExternal ? "external" : "internal",
                           node.state, node.created.map { Units.timestamp($0) } ?? "-", node.description ?? ""])
            }
            return table.render()
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration.action(TakeSnapshot.self)
        @OptionGroup var selected: Selected
        @Option(help: "A description to keep with it.") var description: String?
        @OptionGroup var explain: ExplainOption

        func run() async throws {
            try await ActionRunner.run(selected.connection, selected.choice, explain: explain.explain) { _ in
                .createSnapshot(selected.snapshot, description: description)
            }
        }
    }

    struct Revert: AsyncParsableCommand {
        static let configuration = CommandConfiguration.action(RevertSnapshot.self)
        @OptionGroup var selected: Selected
        @OptionGroup var explain: ExplainOption

        func run() async throws {
            try await ActionRunner.run(selected.connection, selected.choice, explain: explain.explain) { _ in
                .revertSnapshot(selected.snapshot)
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration.action(DeleteSnapshot.self)
        @OptionGroup var named: Named
        @OptionGroup var explain: ExplainOption

        func run() async throws {
            let (host, vm) = try named.target.vm()
            try await ActionRunner.perform(.deleteSnapshot(named.snapshot), on: vm, host: host, explain: explain.explain)
        }
    }
}
