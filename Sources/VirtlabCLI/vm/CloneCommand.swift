import Services
import ArgumentParser
import Foundation
import Inventory

/// `virtlab vm clone SRC NEW [--sanitize]`.
struct CloneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clone", abstract: "Clone a shut-off VM: new UUID, new MACs, disks of its own.",
        discussion: """
            --sanitize also resets the clone's identity inside its disk before it first boots, with virt-sysprep \
            (guestfs-tools): machine-id emptied, SSH host keys removed, cloud-init state cleared, DHCP leases, \
            logs and shell history removed; a cloud-init seed gets a new instance-id and the new name as host name.
            """)

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The VM to clone (shut off).") var source: String
    @Argument(help: "The clone's name.") var name: String
    @Flag(help: "Give the clone an identity of its own (machine-id, SSH host keys, cloud-init instance).")
    var sanitize = false
    @Option(name: .customLong("storage-dir"), help: "Where the clone's disks go (default: libvirt's images directory).")
    var storageDirectory: String?
    @OptionGroup var explain: ExplainOption

    func run() async throws {
        let host = try connection.open().0
        let action = MachineAction.clone(as: name, sanitize: sanitize)
        try await ActionRunner.record(host.uri, "\(action.verb) \(source)", action.command(for: source), explain: explain.explain) {
            let cloned = try host.clone(source, as: name, sanitize: sanitize, storageDirectory: storageDirectory)
            return (["cloned \(source) as \(cloned.name) (UUID \(cloned.uuid), new MACs)"]
                    + cloned.disks.map { "  disk: \($0)" } + (cloned.seed.map { ["  seed: \($0)"] } ?? [])
                    + cloned.sanitized.map { "  sanitized: \($0)" } + ["start it with: virtlab vm start \(cloned.name)"])
                .joined(separator: "\n")
        }
    }
}
