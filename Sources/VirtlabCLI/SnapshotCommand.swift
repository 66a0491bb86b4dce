import ArgumentParser
import Foundation
import Humanize
import VirtKit

/// `virtlab vm snapshot list|create|revert|delete`.
struct SnapshotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot", abstract: "List, create, revert to and delete a VM's snapshots.",
        subcommands: [List.self, Create.self, Revert.self, Delete.self])

    struct Named: ParsableArguments {
        @OptionGroup var target: VMCommand.Target
        @Argument(help: "The snapshot's name.") var snapshot: String
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a VM's snapshots, oldest first.")
        @OptionGroup var target: VMCommand.Target
        @Flag(help: "Print JSON instead of a table.") var json = false

        func run() throws {
            let snapshots = try target.domain().snapshots()
            if json { return try Output.json(snapshots) }
            guard !snapshots.isEmpty else { return print("no snapshots of \(target.name)") }
            var table = TextTable(headers: ["NAME", "CREATED", "STATE", "CURRENT", "DESCRIPTION"])
            let format = ISO8601DateFormatter()
            for snap in snapshots {
                table.add([snap.name, snap.created.map { format.string(from: $0) } ?? "-", snap.state,
                           snap.isCurrent ? "yes" : "", snap.description ?? ""])
            }
            print(table.render())
        }
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Take a snapshot of a VM.")
        @OptionGroup var named: Named
        @Option(help: "A description to keep with it.") var description: String?

        func run() throws {
            let snap = try named.target.domain().createSnapshot(name: named.snapshot, description: description)
            print("created snapshot \(snap.name) of \(named.target.name) (\(snap.state))")
        }
    }

    struct Revert: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Return a VM to a snapshot.")
        @OptionGroup var named: Named
        func run() throws {
            try named.target.domain().revert(toSnapshot: named.snapshot)
            print("reverted \(named.target.name) to \(named.snapshot)")
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a snapshot (the VM stays as it is).")
        @OptionGroup var named: Named
        func run() throws {
            try named.target.domain().deleteSnapshot(named: named.snapshot)
            print("deleted snapshot \(named.snapshot) of \(named.target.name)")
        }
    }
}
