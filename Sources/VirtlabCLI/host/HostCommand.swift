import Services
import ArgumentParser
import Foundation

/// `virtlab host …`: what concerns a whole host.
struct HostCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "host", abstract: "Act on a whole host: move every VM away from it.", subcommands: [Evacuate.self])

    struct Evacuate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move every running VM from one host to another, one at a time.",
            discussion: """
                Each running (or paused) VM is checked and moved as 'virtlab vm migrate' does, one after the other, \
                each with its own line; a VM that cannot move is named with the reason and the others still go. \
                Ctrl-C cancels the move under way (that VM runs on where it was) and moves no more.
                Same as: virsh migrate --live --persistent --undefinesource NAME URI, for every running VM.
                """)

        @Argument(help: "The host to empty (a libvirt URI).") var uri: String
        @Option(help: "Where the VMs go (a libvirt URI).") var to: String
        @Flag(help: "Copy the disks too, for disks the destination cannot see.") var copyStorage = false
        @Flag(help: "Move even where libvirt cannot tell that the disks' storage is shared.") var unsafe = false
        @OptionGroup var explain: ExplainOption

        func run() async throws {
            let (source, destination) = try MigrateCommand.open(uri, to: to)
            let names = try source.activeVMNames()
            guard !names.isEmpty else { return print("nothing to move: no VM runs on \(uri)") }
            if explain.explain {
                for name in names {
                    let plan = source.migrationPlan(try source.vm(named: name), to: destination, mode: nil,
                                                    copyStorage: copyStorage, unsafe: unsafe)
                    plan.virshCommands.forEach { print($0) }
                }
                return
            }
            print("evacuating \(uri): \(names.count) running VM\(names.count == 1 ? "" : "s") to \(to), one at a time")
            let rows = try await MigrateCommand.cancellable("the evacuation of \(uri)") {
                try await source.evacuate(to: destination, copyStorage: copyStorage, unsafe: unsafe,
                                          progress: MigrateCommand.progressLine) { row in
                    MigrateCommand.clearProgressLine()
                    if row.moved { print(row.said) } else { Output.error(row.said) }
                    ActionRunner.log.info("evacuate \(uri): \(row.said)")
                }
            }
            let stayed = rows.filter { !$0.moved }.count
            print("\(rows.count - stayed) of \(rows.count) moved" + (stayed > 0 ? "; \(stayed) stay\(stayed == 1 ? "s" : "") on \(uri)" : ""))
            if stayed > 0 { throw ExitCode(1) }
        }
    }
}
