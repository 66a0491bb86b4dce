import ArgumentParser
import Foundation
import Humanize
import ImageKit
import Inventory
import Providers
import VirtKit

/// `virtlab image ...`: disk images in virtlab's images directory and in libvirt's storage pools.
struct ImageCommand: ParsableCommand {
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

    /// One row: an image from the directory or a pool.
    struct Row: Encodable {
        let name: String
        let source: String
        let path: String
        let format: String
        let virtualSize: UInt64
        let sizeOnDisk: UInt64
        let backingChain: [String]

        init(_ image: ImageSample) {
            name = image.name
            source = image.pool == LibvirtProvider.libraryLabel || image.pool == "file" ? image.pool
                : "pool \(image.pool)"
            path = image.path
            format = image.format ?? "unknown"
            virtualSize = image.capacityBytes
            sizeOnDisk = image.allocationBytes
            // The whole chain where the files are readable here; else the one backing file libvirt names.
            let chain = DiskImage.chain(path: image.path).dropFirst().map(\.path)
            backingChain = chain.isEmpty ? image.backingStore.map { [$0] } ?? [] : chain
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls",
                                                        abstract: "List disk images (directory and pools).")
        @OptionGroup var library: LibraryOptions
        @OptionGroup var connection: ConnectionOptions
        @Flag(help: "Print JSON instead of a table.") var json = false

        func run() throws {
            let rows = try ImageCommand.rows(library.library, connection)
            if json { return try Output.json(rows) }
            print(ImageCommand.table(rows, directory: library.library.directory))
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an image's format, sizes and backing chain.")
        @OptionGroup var library: LibraryOptions
        @Argument(help: "An image name in the images directory, or a path.") var image: String
        @Flag(help: "Print JSON instead of text.") var json = false

        func run() throws {
            let found = try library.library.find(image)
            let inLibrary = found.path.hasPrefix(library.library.directory + "/")
            let row = Row(ImageSample(found, source: inLibrary ? LibvirtProvider.libraryLabel : "file"))
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

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy a disk image (e.g. a downloaded cloud image) into the images directory.")
        @OptionGroup var library: LibraryOptions
        @Argument(help: "The image file.") var file: String
        @Option(help: "The name to give it (default: the file's name).") var name: String?

        func run() throws {
            let image: DiskImage
            do {
                image = try library.library.importImage(from: file, as: name)
            } catch let failure as ImageLibrary.Failure {
                throw UserFacingError(failure.description)
            }
            print("imported \((image.path as NSString).lastPathComponent): \(image.format), "
                  + "\(Units.bytes(Double(image.virtualSize))) virtual, in \(library.library.directory)")
        }
    }

    /// Images from the directory, then from every pool the connection shows (pools are best effort: an
    /// unreachable libvirt leaves a note, not an error).
    static func rows(_ library: ImageLibrary, _ connection: ConnectionOptions) throws -> [Row] {
        var conn: Connection?
        do { conn = try connection.open().0 } catch {
            Output.note("storage pools not listed: \(UserMessage.line(for: error))")
        }
        return LibvirtProvider.diskImages(connection: conn, library: library).map(Row.init)
    }

    static func table(_ rows: [Row], directory: String) -> String {
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
