import Services
import ArgumentParser
import Foundation
import Humanize
import Inventory

/// `virtlab vm ...`: look at and act on one virtual machine.
struct VMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vm", abstract: "Inspect and control virtual machines: one, several, or all.",
        subcommands: [Info.self] + lifecycle
            + [Autostart.self, Hardware.self, Disk.self, XML.self, Define.self, Undefine.self, SnapshotCommand.self, NIC.self, HostDeviceCommand.self,
               SSHCommand.self, ScreenshotCommand.self, CreateCommand.self, CloneCommand.self, MigrateCommand.self, ProtectCommand.self, RecoverCommand.self])

    struct Target: ParsableArguments {
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The VM's name.") var name: String

        /// The host and the VM on it.
        func vm() throws -> (Hypervisor, VM) {
            let host = try connection.open().0
            return (host, try host.vm(named: name))
        }
    }

    struct Info: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a VM's state, resources, disks and NICs.")
        @OptionGroup var target: Target
        @Flag(help: "Print JSON instead of text.") var json = false

        /// The details as before, with the guest agent's view beside them.
        struct Shown: Encodable {
            let domain: DomainDetails
            let guest: GuestInfo?
            enum Keys: String, CodingKey { case guest }

            func encode(to encoder: Encoder) throws {
                try domain.encode(to: encoder)
                var container = encoder.container(keyedBy: Keys.self)
                try container.encodeIfPresent(guest, forKey: .guest)
            }
        }

        func run() async throws {
            let (host, vm) = try target.vm()
            let details = try host.details(vm)
            // The agent answers only in a running guest that has it; its absence is said, not an error.
            let guest = details.state?.isActive == true ? host.guestInfo(vm) : nil
            if json { return try Output.json(Shown(domain: details, guest: guest)) }
            print(Self.render(details))
            print(Self.render(guest: guest, running: details.state?.isActive == true))
        }

        static func render(guest: GuestInfo?, running: Bool) -> String {
            guard let guest else {
                return "Guest:       " + (running ? "no guest agent answers (install and start qemu-guest-agent in the guest; "
                                                   + "the VM needs an org.qemu.guest_agent.0 channel)" : "not running")
            }
            var lines = [
                "Guest OS:    \(guest.osDescription ?? "-")",
                "Kernel:      \(guest.kernel ?? "-")",
                "Host name:   \(guest.hostname ?? "-")",
                "Time zone:   \(guest.timezone ?? "-")",
                "Users:       \(guest.users.isEmpty ? "nobody logged in" : guest.users.map(\.name).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }.joined(separator: ", "))",
                "File systems:",
            ]
            lines += guest.fileSystems.isEmpty ? ["  none reported"] : guest.fileSystems.map { fs in
                let use = fs.totalBytes.map { total in
                    "  \(Units.bytes(Double(fs.usedBytes ?? 0))) used of \(Units.bytes(Double(total)))"
                        + (total > 0 ? " (\(Int((Double(fs.usedBytes ?? 0) / Double(total) * 100).rounded()))%)" : "")
                } ?? ""
                return "  \(fs.mountpoint)  \(fs.type)  \(fs.device)\(use)"
            }
            lines.append("Interfaces:")
            lines += guest.interfaces.isEmpty ? ["  none reported"] : guest.interfaces.map { iface in
                "  \(iface.name)  \(iface.mac ?? "-")  \(iface.addresses.isEmpty ? "no address" : iface.addresses.joined(separator: ", "))"
            }
            return lines.joined(separator: "\n")
        }

        static func render(_ d: DomainDetails) -> String {
            var lines = [
                "Name:        \(d.name)",
                "UUID:        \(d.uuid)",
                "Id:          \(d.id.map(String.init) ?? "-")",
                "State:       \(d.state.map { MachineState(libvirtState: $0.rawValue).label } ?? "unknown")\(d.stateReason.map { " (\($0))" } ?? "")",
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

    /// The state changes (start, shutdown, reboot, destroy, suspend, resume): one subcommand for each plain VM action
    /// of the table, made from its rule alone; when each applies comes from the same rule the dashboard reads. Each
    /// takes several VMs, `--match GLOB` or `--all`.
    struct Lifecycle<Operation: MachineOperation & PlainAction>: AsyncParsableCommand {
        static var configuration: CommandConfiguration { .action(Operation.self, subject: "a VM") }
        @OptionGroup var selection: VMSelection
        @OptionGroup var explain: ExplainOption
        func run() async throws { try await ActionRunner.run(selection, explain: explain.explain) { _ in MachineAction(Operation()) } }
    }

    /// Every plain VM action's subcommand, in the table's order.
    static var lifecycle: [any ParsableCommand.Type] {
        func subcommand<Plain: MachineOperation & PlainAction>(_: Plain.Type) -> any ParsableCommand.Type { Lifecycle<Plain>.self }
        return MachineAction.table.compactMap { $0 as? any (MachineOperation & PlainAction).Type }.map { subcommand($0) }
    }

    /// `virtlab vm set NAME --vcpus N --memory MiB`: live where the hypervisor allows, else from the next boot.
    struct Hardware: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set", abstract: "Change a VM's vCPUs, memory or autostart.",
            discussion: """
                On a running VM the change is made live where the hypervisor allows (vCPU hot-plug, the memory \
                balloon) and in its definition; what cannot be live (above the running guest's maximum) goes to \
                the definition only, from the next boot, and virtlab says which. Same as: virsh setvcpus NAME N \
                --config [--live], virsh setmem NAME MiBM --config [--live], virsh autostart NAME [--disable].
                """)
        @OptionGroup var target: Target
        @Option(help: "The number of virtual CPUs (at most the host's).") var vcpus: Int?
        @Option(help: "The memory in MiB (at most the host's).") var memory: Int?
        @Option(help: "Start with the host: on or off.") var autostart: Toggle?
        @OptionGroup var explain: ExplainOption

        enum Toggle: String, ExpressibleByArgument { case on, off }

        func validate() throws {
            guard vcpus != nil || memory != nil || autostart != nil else {
                throw ValidationError("give --vcpus N, --memory MiB or --autostart on|off")
            }
            if let vcpus, vcpus < 1 { throw ValidationError("--vcpus \(vcpus): a VM needs at least 1") }
            if let memory, memory < 16 { throw ValidationError("--memory \(memory): in MiB, 16 or more") }
        }

        func run() async throws {
            let (host, vm) = try target.vm()
            let live = try host.isRunning(vm)
            let actions: [MachineAction] = [vcpus.map { .setVCPUs($0, live: live) },
                                            memory.map { .setMemory(mebibytes: $0, live: live) },
                                            autostart.map { .setAutostart($0 == .on) }].compactMap { $0 }
            for action in actions {
                try await ActionRunner.perform(action, on: vm, host: host, explain: explain.explain)
            }
        }
    }

    /// `virtlab vm disk attach|detach`.
    struct Disk: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "disk", abstract: "Attach a disk (a new qcow2 or an existing image) to a VM, or detach one.",
            subcommands: [Attach.self, Detach.self])

        struct Attach: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Attach a new qcow2 disk (--size) or an existing image (--image) as the next virtio disk.",
                discussion: """
                    In its definition, and live too when the VM runs and can take it (else from the next boot, \
                    said so). A new disk is made beside the VM's first \
                    disk (NAME-vdX.qcow2); if attaching fails it is removed again. Same as: qemu-img create -f \
                    qcow2 FILE SIZEG && virsh attach-disk NAME FILE vdX --subdriver qcow2 --persistent.
                    """)
            @OptionGroup var target: Target
            @Option(help: "Make a new qcow2 disk of this many GiB.") var size: Int?
            @Option(help: "Attach this existing image file (qcow2 or raw).") var image: String?
            @Option(help: "The guest's device name (default: the next free vdX).") var dev: String?
            @OptionGroup var explain: ExplainOption

            func validate() throws {
                guard (size == nil) != (image == nil) else { throw ValidationError("give either --size GiB or --image FILE") }
                if let size, !(1...4096).contains(size) { throw ValidationError("--size \(size): 1 to 4096 GiB") }
            }

            func run() async throws {
                let (host, vm) = try target.vm()
                let disk = try host.diskToAttach(vm, sizeGiB: size, image: image, device: dev)
                try await ActionRunner.perform(.attachDisk(disk), on: vm, host: host, explain: explain.explain)
            }
        }

        struct Detach: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Detach a VM's disk by its device name (see 'virtlab vm info NAME'); the file stays.",
                discussion: "The boot disk of a running VM is refused. Same as: virsh detach-disk NAME vdX --persistent.")
            @OptionGroup var target: Target
            @Argument(help: "The guest's device name, e.g. vdb.") var dev: String
            @OptionGroup var explain: ExplainOption

            func run() async throws {
                let (host, vm) = try target.vm()
                try await ActionRunner.perform(.detachDisk(target: dev), on: vm, host: host, explain: explain.explain)
            }
        }
    }

    /// `virtlab vm nic attach|detach`: a VM's NICs on libvirt networks.
    struct NIC: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "nic", abstract: "Attach a NIC on a virtual network to a VM, or detach one.",
            subcommands: [Attach.self, Detach.self])

        struct Scope: ParsableArguments {
            @Flag(help: "Change the running guest (hot-plug).") var live = false
            @Flag(help: "Change the persistent definition (from the next boot on).") var config = false
            /// Neither flag: libvirt's "current" (the running guest if it runs, else the definition).
            var scope: DeviceScope { DeviceScope(live ? [.live] : []).union(config ? [.config] : []) }
            /// The same as virsh's flags.
            var flags: [String] { (live ? ["--live"] : []) + (config ? ["--config"] : []) }
        }

        struct Attach: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Add a NIC on a libvirt network.",
                discussion: "Same as: virsh attach-interface NAME network NET --model virtio [--live] [--config].")
            @OptionGroup var target: Target
            @Option(help: "The libvirt network (see 'virtlab net ls').") var network: String
            @Option(help: "The NIC model: \(VM.nicModels.joined(separator: ", ")).") var model = "virtio"
            @Option(help: "Its MAC address (default: a new one in 52:54:00:xx:xx:xx).") var mac: String?
            @OptionGroup var scope: Scope

            func validate() throws {
                guard VM.nicModels.contains(model) else {
                    throw ValidationError("--model \(model): use \(VM.nicModels.joined(separator: ", "))")
                }
                if let mac, !VM.isValidMAC(mac) {
                    throw ValidationError("--mac \(mac): expected six hex pairs with a unicast first octet, e.g. "
                                          + "52:54:00:12:34:56")
                }
            }

            @OptionGroup var explain: ExplainOption

            func run() async throws {
                let host = try target.connection.open().0
                let command = ShellWords.line(["virsh", "-c", host.uri, "attach-interface", target.name, "network", network,
                                               "--model", model] + (mac.map { ["--mac", $0] } ?? []) + scope.flags)
                try await ActionRunner.record(host.uri, "attach a NIC on \(network) to \(target.name)", command, explain: explain.explain) {
                    let vm = try host.vm(named: target.name)
                    let made = try host.attachNIC(vm, network: network, model: model, mac: mac, scope: scope.scope)
                    return "attached a \(model) NIC \(made) on network \(network) to \(vm.name)"
                }
            }
        }

        struct Detach: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Remove a VM's NIC, named by its MAC (see 'virtlab vm info NAME').",
                discussion: "Same as: virsh detach-interface NAME network --mac MAC [--live] [--config].")
            @OptionGroup var target: Target
            @Option(help: "The NIC's MAC address.") var mac: String
            @OptionGroup var scope: Scope
            @OptionGroup var explain: ExplainOption

            func run() async throws {
                let host = try target.connection.open().0
                let command = ShellWords.line(["virsh", "-c", host.uri, "detach-interface", target.name, "network", "--mac", mac]
                                              + scope.flags)
                try await ActionRunner.record(host.uri, "detach NIC \(mac) from \(target.name)", command, explain: explain.explain) {
                    let vm = try host.vm(named: target.name)
                    try host.detachNIC(vm, mac: mac, scope: scope.scope)
                    return "detached NIC \(mac) from \(vm.name)"
                }
            }
        }
    }

    struct Autostart: AsyncParsableCommand {
        static let configuration = CommandConfiguration.action(SetAutostart.self)
        @OptionGroup var selection: VMSelection
        @Flag(help: "Turn autostart off.") var disable = false
        @OptionGroup var explain: ExplainOption

        func run() async throws { try await ActionRunner.run(selection, explain: explain.explain) { _ in .setAutostart(!disable) } }
    }

    struct XML: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a VM's libvirt XML.")
        @OptionGroup var target: Target
        @Flag(help: "The persistent definition, not the live one.") var inactive = false
        func run() async throws {
            let (host, vm) = try target.vm()
            print(try host.xml(vm, inactive: inactive), terminator: "")
        }
    }

    struct Define: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Define a persistent VM from a libvirt XML file.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "Domain XML file.") var file: String

        func run() async throws {
            let xml: String
            do { xml = try String(contentsOfFile: file, encoding: .utf8) } catch {
                throw UserFacingError("cannot read \(file): \((error as NSError).localizedDescription)")
            }
            let vm = try connection.open().0.define(xml: xml)
            print("defined \(vm.name) (\(vm.uuid))")
        }
    }

    struct Undefine: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a VM's definition (its snapshots' metadata too).",
            discussion: "Destructive: pass --yes to confirm. A running VM keeps running until it stops.")
        @OptionGroup var target: Target
        @Flag(help: "Also delete its disks that a storage pool manages.") var removeStorage = false
        @Flag(help: "Confirm: this cannot be undone.") var yes = false
        @OptionGroup var explain: ExplainOption

        func run() async throws {
            guard yes || explain.explain else {
                throw UserFacingError("undefining '\(target.name)' cannot be undone: add --yes to confirm")
            }
            // The dashboard's delete action (D), as every VM action is done from here.
            let (host, vm) = try target.vm()
            try await ActionRunner.perform(.delete(removeStorage: removeStorage), on: vm, host: host, explain: explain.explain)
        }
    }
}
