import ArgumentParser
import Foundation
import Humanize
import Inventory
import Providers
import VirtKit

/// `virtlab vm ...`: look at and act on one virtual machine.
struct VMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vm", abstract: "Inspect and control one virtual machine.",
        subcommands: [Info.self, Lifecycle.Start.self, Lifecycle.Shutdown.self, Lifecycle.Reboot.self,
                      Lifecycle.Destroy.self, Lifecycle.Suspend.self, Lifecycle.Resume.self, Autostart.self,
                      XML.self, Define.self, Undefine.self, SnapshotCommand.self, NIC.self, SSHCommand.self, CreateCommand.self,
                      CloneCommand.self])

    struct Target: ParsableArguments {
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The VM's name.") var name: String

        func domain() throws -> Domain { try connection.open().0.domain(named: name) }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a VM's state, resources, disks and NICs.")
        @OptionGroup var target: Target
        @Flag(help: "Print JSON instead of text.") var json = false

        func run() throws {
            let details = try target.domain().details()
            if json { return try Output.json(details) }
            print(Self.render(details))
        }

        static func render(_ d: DomainDetails) -> String {
            var lines = [
                "Name:        \(d.name)",
                "UUID:        \(d.uuid)",
                "Id:          \(d.id.map(String.init) ?? "-")",
                "State:       \(d.state.map { MachineState($0).label } ?? "unknown")\(d.stateReason.map { " (\($0))" } ?? "")",
                "Type:        \(d.osType)\(d.arch.map { " \($0)" } ?? ""), domain type \(d.hypervisorType)",
                "vCPUs:       \(d.vcpus)",
                "Memory:      \(Units.kibibytes(d.currentMemoryKiB)) of \(Units.kibibytes(d.maxMemoryKiB))",
                "CPU time:    \(d.cpuTimeNs.map { Units.cpuTime(nanoseconds: $0) } ?? "-")",
                "Persistent:  \(d.persistent ? "yes" : "no")",
                "Autostart:   \(d.autostart ? "yes" : "no")",
            ]
            lines.append("Disks:")
            lines += d.disks.isEmpty ? ["  none"] : d.disks.map { disk in
                "  \(disk.target)  \(disk.device)  \(disk.bus ?? "-")  \(disk.format ?? "-")  "
                    + "\(disk.source ?? "(empty)")\(disk.readOnly ? "  read-only" : "")"
            }
            lines.append("NICs:")
            lines += d.nics.isEmpty ? ["  none"] : d.nics.map { nic in
                "  \(nic.mac)  \(nic.type)\(nic.source.map { ":\($0)" } ?? "")  \(nic.model ?? "-")"
                    + (nic.addresses.isEmpty ? "" : "  \(nic.addresses.joined(separator: ", "))")
            }
            return lines.joined(separator: "\n")
        }
    }

    /// The state changes, one subcommand each, sharing one shape; when each applies comes from the action
    /// table the dashboard reads too (`MachineVerb`).
    enum Lifecycle {
        /// Runs `body` after checking the VM is in a state the action applies to, so "start a running VM" gets
        /// a plain answer on every driver (libvirt's own wording differs between drivers).
        static func perform(_ target: Target, _ verb: MachineVerb, _ body: (Domain) throws -> Void) throws {
            let domain = try target.domain()
            if let why = verb.rule.refusal(domain.name, MachineState(try domain.info().state)) {
                throw UserFacingError(why + " (run 'virtlab vm info \(domain.name)' to see its state)")
            }
            try body(domain)
            print("\(verb.rule.done) \(domain.name)")
        }

        struct Start: ParsableCommand {
            static let configuration = CommandConfiguration.action(
                "start", MachineVerb.start.rule, "Start a VM.", subject: "a VM")
            @OptionGroup var target: Target
            func run() throws { try perform(target, .start) { try $0.start() } }
        }
        struct Shutdown: ParsableCommand {
            static let configuration = CommandConfiguration.action(
                "shutdown", MachineVerb.shutdown.rule, "Ask a VM's guest to shut down (ACPI).", subject: "a VM")
            @OptionGroup var target: Target
            func run() throws { try perform(target, .shutdown) { try $0.shutdown() } }
        }
        struct Reboot: ParsableCommand {
            static let configuration = CommandConfiguration.action(
                "reboot", MachineVerb.reboot.rule, "Ask a VM's guest to reboot.", subject: "a VM")
            @OptionGroup var target: Target
            func run() throws { try perform(target, .reboot) { try $0.reboot() } }
        }
        struct Destroy: ParsableCommand {
            static let configuration = CommandConfiguration.action(
                "destroy", MachineVerb.forceOff.rule, "Force a VM off at once (like pulling the plug).", subject: "a VM")
            @OptionGroup var target: Target
            func run() throws { try perform(target, .forceOff) { try $0.forceOff() } }
        }
        struct Suspend: ParsableCommand {
            static let configuration = CommandConfiguration.action(
                "suspend", MachineVerb.pause.rule, "Pause a running VM.", subject: "a VM")
            @OptionGroup var target: Target
            func run() throws { try perform(target, .pause) { try $0.suspend() } }
        }
        struct Resume: ParsableCommand {
            static let configuration = CommandConfiguration.action(
                "resume", MachineVerb.resume.rule, "Resume a paused VM.", subject: "a VM")
            @OptionGroup var target: Target
            func run() throws { try perform(target, .resume) { try $0.resume() } }
        }
    }

    /// `virtlab vm nic attach|detach`: a VM's NICs on libvirt networks.
    struct NIC: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "nic", abstract: "Attach a NIC on a virtual network to a VM, or detach one.",
            subcommands: [Attach.self, Detach.self])

        struct Scope: ParsableArguments {
            @Flag(help: "Change the running guest (hot-plug).") var live = false
            @Flag(help: "Change the persistent definition (from the next boot on).") var config = false
            /// Neither flag: libvirt's "current" (the running guest if it runs, else the definition).
            var scope: DeviceScope { DeviceScope(live ? [.live] : []).union(config ? [.config] : []) }
        }

        struct Attach: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Add a NIC on a libvirt network.",
                discussion: "Same as: virsh attach-interface NAME network NET --model virtio [--live] [--config].")
            @OptionGroup var target: Target
            @Option(help: "The libvirt network (see 'virtlab net ls').") var network: String
            @Option(help: "The NIC model: \(Domain.nicModels.joined(separator: ", ")).") var model = "virtio"
            @Option(help: "Its MAC address (default: a new one in 52:54:00:xx:xx:xx).") var mac: String?
            @OptionGroup var scope: Scope

            func validate() throws {
                guard Domain.nicModels.contains(model) else {
                    throw ValidationError("--model \(model): use \(Domain.nicModels.joined(separator: ", "))")
                }
                if let mac, !Domain.isValidMAC(mac) {
                    throw ValidationError("--mac \(mac): expected six hex pairs with a unicast first octet, e.g. "
                                          + "52:54:00:12:34:56")
                }
            }

            func run() throws {
                let conn = try target.connection.open().0
                _ = try conn.network(named: network)  // a missing network is said before the VM is touched
                let domain = try conn.domain(named: target.name)
                let made = try domain.attachNIC(network: network, model: model, mac: mac, scope: scope.scope)
                print("attached a \(model) NIC \(made) on network \(network) to \(domain.name)")
            }
        }

        struct Detach: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Remove a VM's NIC, named by its MAC (see 'virtlab vm info NAME').",
                discussion: "Same as: virsh detach-interface NAME network --mac MAC [--live] [--config].")
            @OptionGroup var target: Target
            @Option(help: "The NIC's MAC address.") var mac: String
            @OptionGroup var scope: Scope

            func run() throws {
                let domain = try target.domain()
                try domain.detachNIC(mac: mac, scope: scope.scope)
                print("detached NIC \(mac) from \(domain.name)")
            }
        }
    }

    struct Autostart: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start a VM when the host boots (or stop doing so).")
        @OptionGroup var target: Target
        @Flag(help: "Turn autostart off.") var disable = false

        func run() throws {
            let domain = try target.domain()
            try domain.setAutostart(!disable)
            print("autostart \(disable ? "off" : "on") for \(domain.name)")
        }
    }

    struct XML: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a VM's libvirt XML.")
        @OptionGroup var target: Target
        @Flag(help: "The persistent definition, not the live one.") var inactive = false
        func run() throws { print(try target.domain().xml(inactive: inactive), terminator: "") }
    }

    struct Define: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Define a persistent VM from a libvirt XML file.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Domain XML file.") var file: String

        func run() throws {
            let xml: String
            do { xml = try String(contentsOfFile: file, encoding: .utf8) } catch {
                throw UserFacingError("cannot read \(file): \((error as NSError).localizedDescription)")
            }
            let domain = try connection.open().0.define(xml: xml)
            print("defined \(domain.name) (\(domain.uuid))")
        }
    }

    struct Undefine: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a VM's definition (its snapshots' metadata too).",
            discussion: "Destructive: pass --yes to confirm. A running VM keeps running until it stops.")
        @OptionGroup var target: Target
        @Flag(help: "Also delete its disks that a storage pool manages.") var removeStorage = false
        @Flag(help: "Confirm: this cannot be undone.") var yes = false

        func run() throws {
            guard yes else {
                throw UserFacingError("undefining '\(target.name)' cannot be undone: add --yes to confirm")
            }
            let domain = try target.domain()
            let result = try domain.undefine(removeStorage: removeStorage)
            print("undefined \(domain.name)")
            for path in result.removedVolumes { print("  deleted \(path)") }
            for path in result.keptOutsidePools { print("  kept \(path) (not in a storage pool; delete it by hand)") }
            for failure in result.failures { Output.error(UserMessage.line(for: failure)) }
            if !result.failures.isEmpty { throw ExitCode(1) }
        }
    }
}
