import ArgumentParser
import Foundation
import Humanize
import Services

/// `virtlab os list [FILTER]`: the operating systems osinfo-db knows, with what each needs.
struct OSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "os", abstract: "The operating systems virtlab knows (osinfo-db), for new VMs.", subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List operating systems with their minimum and recommended memory, CPUs and disk.",
            discussion: """
                From osinfo-db, the database virt-install and virt-manager use (Debian's osinfo-db package). \
                FILTER keeps those whose short ID or name contains it, or whose family it is (linux, winnt, bsd). \
                The short ID is what 'vm create --os' takes. VIRTIO says whether the OS has virtio disk and network \
                drivers; a VM for one that has not gets SATA disks and an e1000e NIC.
                Same as: osinfo-query os
                """)

        @Argument(help: "Part of a short ID or name, or a family.") var filter: String?
        @Flag(help: "Print JSON instead of a table.") var json = false

        func run() async throws {
            let systems = try OSCatalog.installed().matching(filter)
            if json { return try Output.json(systems) }
            guard !systems.isEmpty else {
                throw UserFacingError("no operating system matches '\(filter ?? "")': try a shorter part of its name (virtlab os list)")
            }
            var table = TextTable(headers: ["SHORT ID", "NAME", "RELEASED", "MEMORY MIN/REC", "CPUS", "DISK REC", "VIRTIO"])
            for system in systems {
                let memory = [system.minimum.memoryBytes, system.recommended.memoryBytes]
                    .map { $0.map { Units.bytes(Double($0)) } ?? "-" }.joined(separator: " / ")
                table.add([system.shortID, system.name, system.releaseDate ?? "-", memory,
                           (system.recommended.cpus ?? system.minimum.cpus).map(String.init) ?? "-",
                           (system.recommended.storageBytes ?? system.minimum.storageBytes).map { Units.bytes(Double($0)) } ?? "-",
                           system.hasVirtio ? "yes" : "no"])
            }
            print(table.render())
        }
    }
}
