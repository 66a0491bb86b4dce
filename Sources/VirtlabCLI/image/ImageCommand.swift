import Services
import ArgumentParser
import Foundation
import Humanize
import Inventory

/// `virtlab image ...`: disk images in virtlab's images directory and in libvirt's storage pools.
struct ImageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image", abstract: "List, inspect and import disk images (qcow2, raw, ISO).",
        discussion: """
            virtlab's own images live in VIRTLAB_IMAGES_DIR, else $XDG_DATA_HOME/virtlab/images. Formats come \
            from the files' headers, never from their names.
            """,
        subcommands: [List.self, Info.self, Import.self])

    struct LibraryOptions: ParsableArguments {
        @Option(name: .customLong("images-dir"), help: "The images directory (default: see 'virtlab image --help').")
        var directory: String?

        var library: ImageLibrary { ImageLibrary(directory: directory ?? ImageLibrary.defaultDirectory()) }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls",
                                                        abstract: "List disk images (directory and pools).")
        @OptionGroup var library: LibraryOptions
        @OptionGroup var connection: ConnectionOptions
        @Flag(help: "Print JSON instead of a table.") var json = false

        func run() async throws {
            let rows = ImageCommand.rows(library.library, connection)
            if json { return try Output.json(rows) }
            print(ImageCommand.table(rows, directory: library.library.directory))
        }
    }

    struct Info: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an image's format, sizes and backing chain.")
        @OptionGroup var library: LibraryOptions
        @Argument(help: "An image name in the images directory, or a path.") var image: String
        @Flag(help: "Print JSON instead of text.") var json = false

        func run() async throws {
            let row = try Images.row(image, library: library.library)
            if json { return try Output.json(row) }
            print("""
                Name:         \(row.name)
                Path:         \(row.path)
                Format:       \(row.format) (from the file's header)
                Virtual size: \(Units.bytes(Double(row.virtualSize)))
                On disk:      \(Units.bytes(Double(row.sizeOnDisk)))
                Backing:      \(row.backingChain.isEmpty ? "none" : row.backingChain.joined(separator: " <- "))
                """)
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy a disk image into the images directory, or import an appliance (.ova, .ovf) as a VM.",
            discussion: """
                A disk image (e.g. a downloaded cloud image) is copied into the images directory. An OVA (a tar of \
                an OVF descriptor and its disks) or an OVF with its disks beside it becomes a VM: the descriptor's \
                name, CPUs, memory, disks and NICs; each disk converted to qcow2 in libvirt's image directory. \
                Nothing existing is overwritten, and a failed import leaves nothing behind. Its NICs are user-mode \
                unless --network names a libvirt network. Same as: tar -xf FILE.ova; qemu-img convert -f vmdk -O \
                qcow2 DISK.vmdk NAME-disk1.qcow2; virsh define NAME.xml (--explain prints them for this file).
                """)
        @OptionGroup var library: LibraryOptions
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The image file, .ova or .ovf.") var file: String
        @Option(help: "The name to give it (default: the file's, or the appliance's own).") var name: String?
        @Option(help: "An appliance's NICs go on this libvirt network (default: user-mode networking).") var network: String?
        @Flag(help: "Start the appliance's VM once it is defined.") var start = false
        @OptionGroup var explain: ExplainOption

        var isAppliance: Bool { [".ova", ".ovf"].contains { file.lowercased().hasSuffix($0) } }

        func run() async throws {
            if isAppliance { return try await importAppliance() }
            if explain.explain {
                return print(ShellWords.line(["cp", file, "\(library.library.directory)/\(name ?? (file as NSString).lastPathComponent)"]))
            }
            let image: DiskImage
            do {
                image = try library.library.importImage(from: file, as: name)
            } catch let failure as ImageLibrary.Failure {
                throw UserFacingError(failure.description)
            }
            print("imported \((image.path as NSString).lastPathComponent): \(image.format), "
                  + "\(Units.bytes(Double(image.virtualSize))) virtual, in \(library.library.directory)")
        }

        private func importAppliance() async throws {
            let host = try connection.open().0
            let plan = try host.appliancePlan(file, name: name)
            try await ActionRunner.record(host.uri, "import \(file) as \(plan.name)", plan.commands.joined(separator: "\n"),
                                          explain: explain.explain) {
                let made = try host.importAppliance(file, name: name, network: network)
                let d = made.descriptor
                return "imported \(made.name) from \((file as NSString).lastPathComponent): \(d.cpus) vCPU\(d.cpus == 1 ? "" : "s"), "
                    + "\(d.memoryMiB) MiB, \(made.disks.count) disk\(made.disks.count == 1 ? "" : "s") (qcow2: "
                    + made.disks.joined(separator: ", ") + "), \(d.nics.count) NIC\(d.nics.count == 1 ? "" : "s")"
                    + (start ? "" : "; start it with 'virtlab vm start \(made.name)'")
            }
            if explain.explain {
                if start { print(MachineAction.start.command(for: plan.name, uri: host.uri)) }
                return
            }
            if start { try await ActionRunner.perform(.start, on: try host.vm(named: plan.name), host: host, explain: false) }
        }
    }

    /// Images from the directory, then from every pool the connection shows (pools are best effort: an
    /// unreachable libvirt leaves a note, not an error).
    static func rows(_ library: ImageLibrary, _ connection: ConnectionOptions) -> [Images.Row] {
        var host: Hypervisor?
        do { host = try connection.open().0 } catch {
            Output.note("storage pools not listed: \(UserMessage.line(for: error))")
        }
        return Images.rows(library: library, host: host)
    }

    static func table(_ rows: [Images.Row], directory: String) -> String {
        guard !rows.isEmpty else {
            return "No disk images in \(directory) or any storage pool; 'virtlab image import FILE' adds one."
        }
        var table = TextTable(headers: ["NAME", "SOURCE", "FORMAT", "VIRTUAL", "ON DISK", "BACKING"])
        for row in rows {
            table.add([row.name, row.source, row.format, Units.bytes(Double(row.virtualSize)),
                       Units.bytes(Double(row.sizeOnDisk)), row.backingChain.first ?? "-"])
        }
        return table.render()
    }
}
