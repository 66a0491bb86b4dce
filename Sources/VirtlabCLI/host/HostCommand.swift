import Services
import ArgumentParser
import Foundation
import Humanize
import Inventory

/// `virtlab host …`: what concerns a whole host.
struct HostCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "host", abstract: "Act on a whole host: its devices, and moving every VM away from it.",
        subcommands: [Devices.self, DeviceBinding.self, Evacuate.self])

    /// `virtlab host device detach|reattach DEVICE`: a PCI device bound to vfio-pci for passthrough, or given back;
    /// `create-mdev|remove-mdev`: a mediated device (a vGPU instance) made on a PCI device that offers its type.
    struct DeviceBinding: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "device",
            abstract: "Bind a PCI device to vfio-pci for passthrough or give it back; make or remove a mediated device (vGPU).",
            subcommands: [Detach.self, Reattach.self, CreateMdev.self, RemoveMdev.self])

        struct CreateMdev: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "create-mdev", abstract: "Make a mediated device (a vGPU instance) of a type its parent offers.",
                discussion: """
                    'virtlab host devices' lists each device's mediated types with the instances left ("splits: mdev \
                    nvidia-1000 ..."). Refused in one line where the parent offers no such type or none is left. The \
                    device lasts until the host restarts; give it to a VM with 'virtlab vm hostdev attach NAME UUID'.
                    Same as: virsh nodedev-create mdev.xml (<device><parent>…</parent><capability type='mdev'><type id='TYPE'/>…)
                    """)
            @OptionGroup var connection: ConnectionOptions
            @Argument(help: "The parent PCI device (see 'virtlab host devices').") var parent: String
            @Argument(help: "The mediated type, e.g. nvidia-1000.") var type: String
            @Option(help: "Its UUID (default: a new one).") var uuid: String?
            @OptionGroup var explain: ExplainOption

            func run() async throws {
                let host = try connection.open().0
                let uuid = (uuid ?? UUID().uuidString).lowercased()
                let command = ShellWords.line(["virsh", "-c", host.uri, "nodedev-create", "mdev-\(uuid).xml"])
                try await ActionRunner.record(host.uri, "make a \(type) mediated device on \(parent)", command, explain: explain.explain) {
                    try host.createMediatedDevice(on: parent, type: type, uuid: uuid)
                }
            }
        }

        struct RemoveMdev: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "remove-mdev", abstract: "Remove a mediated device no running VM uses.",
                discussion: "Same as: virsh nodedev-destroy NAME")
            @OptionGroup var connection: ConnectionOptions
            @Argument(help: "The mediated device's UUID or libvirt name.") var device: String
            @OptionGroup var explain: ExplainOption

            func run() async throws {
                let host = try connection.open().0
                let command = ShellWords.line(["virsh", "-c", host.uri, "nodedev-destroy", device])
                try await ActionRunner.record(host.uri, "remove mediated device \(device)", command, explain: explain.explain) {
                    try host.removeMediatedDevice(device)
                }
            }
        }

        struct Detach: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Take a PCI device from its host driver and bind it to vfio-pci.",
                discussion: """
                    Needed only for a device given unmanaged; 'vm hostdev attach' gives it managed, binding it when the \
                    guest starts. Refused with the reason where the device cannot be passed through (the IOMMU off).
                    Same as: virsh nodedev-detach NAME --driver vfio
                    """)
            @OptionGroup var connection: ConnectionOptions
            @Argument(help: "The PCI device (see 'virtlab host devices').") var device: String
            @OptionGroup var explain: ExplainOption

            func run() async throws {
                let host = try connection.open().0
                let command = ShellWords.line(["virsh", "-c", host.uri, "nodedev-detach", device, "--driver", "vfio"])
                try await ActionRunner.record(host.uri, "bind \(device) to vfio-pci", command, explain: explain.explain) {
                    try host.bindForPassthrough(device, release: false)
                }
            }
        }

        struct Reattach: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Give a PCI device back to its host driver.", discussion: "Same as: virsh nodedev-reattach NAME")
            @OptionGroup var connection: ConnectionOptions
            @Argument(help: "The PCI device.") var device: String
            @OptionGroup var explain: ExplainOption

            func run() async throws {
                let host = try connection.open().0
                let command = ShellWords.line(["virsh", "-c", host.uri, "nodedev-reattach", device])
                try await ActionRunner.record(host.uri, "give \(device) back to the host", command, explain: explain.explain) {
                    try host.bindForPassthrough(device, release: true)
                }
            }
        }
    }

    struct Devices: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the host's PCI and USB devices and whether each can be given to a guest.",
            discussion: """
                Read from libvirt's node devices (so it works on a remote host too): each device's class, vendor and \
                product, driver and IOMMU group, whether it can be passed through to a guest and what stands in the \
                way (the IOMMU off, a group shared with devices the host keeps, a driver the host uses), and how it \
                can be split (SR-IOV virtual functions, mediated-device types such as NVIDIA vGPU).
                Same as: virsh nodedev-list --cap pci --cap usb_device, then virsh nodedev-dumpxml NAME for each.
                """)

        @OptionGroup var connection: ConnectionOptions
        @Flag(help: "Only display and 3D controllers (GPUs).") var gpu = false
        @Flag(help: "Print JSON instead of a table.") var json = false

        func run() async throws {
            let host = try connection.open().0
            let devices = try host.hostDevices().filter { !gpu || $0.isGPU }
            if json { return try Output.json(devices) }
            guard !devices.isEmpty else {
                return print(gpu ? "no GPU on \(host.uri): no display or 3D controller among its PCI devices"
                                 : "no PCI or USB devices reported by \(host.uri)")
            }
            var table = TextTable(headers: ["ADDRESS", "CLASS", "DEVICE", "DRIVER", "GROUP", "PASSTHROUGH"])
            for entry in devices {
                let device = entry.device
                table.add([device.address, entry.kind, entry.name, device.driver ?? "-", device.iommuGroup.map(String.init) ?? "-",
                           entry.passthrough.rawValue])
            }
            print(table.render())
            // The reasons are sentences, under the table: one line for each, naming every device it holds for (the
            // IOMMU being off holds for all of them), in the order first met; then how devices can be split.
            var notes: [(said: String, addresses: [String])] = []
            for entry in devices where entry.passthrough != .yes {
                if let index = notes.firstIndex(where: { $0.said == entry.reason }) {
                    notes[index].addresses.append(entry.device.address)
                } else {
                    notes.append((entry.reason, [entry.device.address]))
                }
            }
            let splits = devices.filter { !$0.split.isEmpty }
            if !notes.isEmpty || !splits.isEmpty { print("") }
            for note in notes { print("\(note.addresses.joined(separator: ", ")): \(note.said)") }
            for entry in splits { print("\(entry.device.address) splits: \(entry.split.joined(separator: "; "))") }
        }
    }

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
