import Services
import ArgumentParser
import Foundation
import Humanize
import Inventory

/// `virtlab pool ls`: storage pools and their volumes (IaaS storage).
struct PoolCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pool", abstract: "Storage pools and volumes.",
                                                    subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List pools and their volumes.")
        @OptionGroup var connection: ConnectionOptions
        @Flag(help: "Print JSON instead of a table.") var json = false

        func run() async throws {
            let host = try connection.open().0
            let pools = try host.pools()
            if json { return try Output.json(pools) }
            guard !pools.isEmpty else { return print("no storage pools on \(host.uri)") }
            var table = TextTable(headers: ["POOL / VOLUME", "STATE/FORMAT", "CAPACITY", "ALLOCATED", "PATH"])
            for entry in pools {
                let pool = entry.pool
                table.add([pool.name, pool.active ? "active" : "inactive", Units.bytes(Double(pool.capacityBytes)),
                           Units.bytes(Double(pool.allocationBytes)), pool.path ?? "-"])
                for volume in entry.volumes {
                    table.add(["  \(volume.name)", volume.format ?? "-", Units.bytes(Double(volume.capacityBytes)),
                               Units.bytes(Double(volume.allocationBytes)), volume.path])
                }
            }
            print(table.render())
        }
    }
}
