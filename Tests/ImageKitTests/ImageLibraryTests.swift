import Foundation
import Testing
import TestTags
import TestSupport
@testable import ImageKit

/// Disk images as their bytes describe them, on real files made with qemu-img, mkfs and cloud-localds.
@Suite(.tags(.pure)) struct ImageLibraryTests {
    let scratch: String

    init() throws {
        scratch = NSTemporaryDirectory() + "vl-images-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    }

    private func make(_ argv: [String]) throws {
        let result = try Run.command(argv)
        #expect(result.status == 0, "\(argv.joined(separator: " ")): \(result.stderr)")
    }

    @Test func formatsComeFromHeadersNotNames() throws {
        try make(["qemu-img", "create", "-q", "-f", "qcow2", "\(scratch)/disk.raw", "8M"])  // a qcow2 named .raw
        try make(["qemu-img", "create", "-q", "-f", "raw", "\(scratch)/blank.qcow2", "2M"])  // a blank raw disk
        try make(["truncate", "-s", "4M", "\(scratch)/fs.img"])
        try make(["mkfs.ext4", "-q", "-F", "\(scratch)/fs.img"])
        try "instance-id: x\n".write(toFile: "\(scratch)/meta-data", atomically: true, encoding: .utf8)
        try "#cloud-config\n".write(toFile: "\(scratch)/user-data", atomically: true, encoding: .utf8)
        try make(["cloud-localds", "\(scratch)/seed.qcow2", "\(scratch)/user-data", "\(scratch)/meta-data"])
        try "just some notes\n".write(toFile: "\(scratch)/notes.iso", atomically: true, encoding: .utf8)

        #expect(DiskImage.inspect(path: "\(scratch)/disk.raw")?.format == "qcow2")
        #expect(DiskImage.inspect(path: "\(scratch)/disk.raw")?.virtualSize == 8 << 20)
        #expect(DiskImage.inspect(path: "\(scratch)/blank.qcow2")?.format == "raw")
        #expect(DiskImage.inspect(path: "\(scratch)/fs.img")?.format == "raw")
        #expect(DiskImage.inspect(path: "\(scratch)/seed.qcow2")?.format == "iso")
        #expect(DiskImage.inspect(path: "\(scratch)/notes.iso")?.format == "unknown")
        #expect(DiskImage.inspect(path: "\(scratch)/notes.iso")?.isDiskImage == false)
    }

    @Test func backingChainsAreFollowedIncludingRelativeOnes() throws {
        try make(["qemu-img", "create", "-q", "-f", "qcow2", "\(scratch)/base.qcow2", "16M"])
        try make(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", "\(scratch)/base.qcow2",
                  "\(scratch)/mid.qcow2"])
        // A relative backing file is resolved from the overlay's own directory, as QEMU does.
        try make(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", "mid.qcow2", "\(scratch)/top.qcow2"])
        let chain = DiskImage.chain(path: "\(scratch)/top.qcow2")
        #expect(chain.map { ($0.path as NSString).lastPathComponent } == ["top.qcow2", "mid.qcow2", "base.qcow2"])
        #expect(chain.allSatisfy { $0.virtualSize == 16 << 20 })
    }

    @Test func importCopiesWholeImagesAndRefusesWhatItMustNot() throws {
        let library = ImageLibrary(directory: "\(scratch)/library")
        #expect(library.images().isEmpty, "a missing directory is an empty library")
        try make(["qemu-img", "create", "-q", "-f", "qcow2", "\(scratch)/cloud.qcow2", "16M"])
        try make(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", "\(scratch)/cloud.qcow2",
                  "\(scratch)/overlay.qcow2"])
        try "hello\n".write(toFile: "\(scratch)/hello.txt", atomically: true, encoding: .utf8)

        let imported = try library.importImage(from: "\(scratch)/cloud.qcow2")
        #expect(imported.path == "\(scratch)/library/cloud.qcow2" && imported.format == "qcow2")
        #expect(library.images().map(\.path) == [imported.path])
        #expect(try library.find("cloud.qcow2") == imported)

        let existing = #expect(throws: ImageLibrary.Failure.self) { try library.importImage(from: "\(scratch)/cloud.qcow2") }
        #expect(existing?.description.contains("already exists") == true)
        let text = #expect(throws: ImageLibrary.Failure.self) { try library.importImage(from: "\(scratch)/hello.txt") }
        #expect(text?.description.contains("is not a disk image") == true)
        let overlay = #expect(throws: ImageLibrary.Failure.self) {
            try library.importImage(from: "\(scratch)/overlay.qcow2", as: "o.qcow2")
        }
        #expect(overlay?.description.contains("overlay") == true)
        #expect(throws: ImageLibrary.Failure.self) { try library.importImage(from: "\(scratch)/cloud.qcow2", as: "../x") }
        #expect(throws: ImageLibrary.Failure.self) { try library.find("missing.qcow2") }
        // Nothing half-written is left in the library, and refused files are not there.
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(scratch)/library") == ["cloud.qcow2"])
    }

    @Test func theDirectoryFollowsTheEnvironment() {
        #expect(ImageLibrary.defaultDirectory(environment: ["VIRTLAB_IMAGES_DIR": "/srv/images"]) == "/srv/images")
        #expect(ImageLibrary.defaultDirectory(environment: ["XDG_DATA_HOME": "/d", "HOME": "/h"]) == "/d/virtlab/images")
        #expect(ImageLibrary.defaultDirectory(environment: ["HOME": "/h"]) == "/h/.local/share/virtlab/images")
    }
}
