import Services
import ArgumentParser
import Foundation

/// `virtlab vm protect NAME --standby URI`: keep a VM's definition on a standby host for failover.
struct ProtectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "protect", abstract: "Keep a VM's definition on a standby host, to start it there if its host is lost.",
        discussion: """
            The VM is marked (in its metadata) with its home and its standby, and its definition is defined on the \
            standby, shut off, with the same UUID. Its disks must be on storage both hosts share, in a storage pool \
            the standby has. 'virtlab vm recover NAME --uri STANDBY' (or 'virtlab failover watch') starts it there \
            when its home is lost, and only if no other QEMU holds its disks (libvirt's disk lock). --off ends the \
            protection.
            """)

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The VM's name.") var name: String
    @Option(help: "The standby host's libvirt URI.") var standby: String?
    @Flag(help: "End the protection: remove the mark and the standby's copy.") var off = false

    func validate() throws {
        if off == (standby != nil) { throw ValidationError("give --standby URI, or --off to end the protection") }
    }

    func run() async throws {
        let host = try connection.open().0
        let vm = try host.vm(named: name)
        let said: String
        if let standby {
            let (_, standbyHost) = try MigrateCommand.open(host.uri, to: standby)
            said = try host.protect(vm, standby: standbyHost)
        } else {
            said = try host.unprotect(vm)
        }
        print(said)
        ActionRunner.log.info("protect \(host.uri) \(name): \(said)")
    }
}

/// `virtlab vm recover NAME --uri STANDBY`: start a protected VM on its standby when its home is lost.
struct RecoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover", abstract: "Start a protected VM on its standby host (--uri) when its home host is lost.",
        discussion: """
            Refused while its home answers (then start or move it there) and while its disks are still held by another \
            QEMU: libvirt's disk lock (lockd) and QEMU's image lock keep a disk from running twice. The VM boots from \
            its disks; what was in its memory on the lost host is gone. Afterwards the standby is its home.
            """)

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The protected VM's name.") var name: String

    func run() async throws {
        let host = try connection.open().0
        let said = try host.recover(name)
        print(said)
        ActionRunner.log.info("recover \(host.uri) \(name): \(said)")
    }
}
