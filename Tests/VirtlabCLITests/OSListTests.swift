import Foundation
import Testing
import TestSupport
import TestTags
@testable import Services

/// osinfo-db as virtlab reads it (the database Debian's osinfo-db package installs, as virt-install uses it):
/// resources with what an entry inherits, virtio drivers, install media known by their ISO 9660 names.
@Suite(.tags(.pure)) struct OSCatalogTests {
    @Test func resourcesAndDriversComeWithWhatAnEntryInherits() throws {
        let catalog = try OSCatalog.installed()
        let debian = try #require(catalog.system("debian11"))
        #expect(debian.name == "Debian 11" && debian.family == "linux")
        #expect(debian.minimum.memoryBytes == 1 << 30 && debian.recommended.storageBytes == 20 << 30)
        // debian11's own entry lists only a GPU and a file-system device: its virtio disk and NIC drivers are
        // those of the releases it derives from.
        #expect(debian.hasVirtio)
        let windows = try #require(catalog.system("win10"))
        #expect(!windows.hasVirtio && windows.minimum.memoryBytes == 2 << 30, "Windows has no virtio drivers of its own")
        #expect(catalog.system("debianbullseye")?.id == debian.id, "every short ID names it")
        #expect(catalog.matching("debian").allSatisfy { $0.shortIDs.contains { $0.contains("debian") } || $0.name.lowercased().contains("debian") })
    }

    @Test func installMediaAreKnownByTheirNames() throws {
        let catalog = try OSCatalog.installed()
        #expect(catalog.detect(ISONames(volumeID: "Debian 11.5.0 amd64 n"))?.shortID == "debian11")
        #expect(catalog.detect(ISONames(volumeID: "alpine-std 3.17.0 x86_64"))?.shortID == "alpinelinux3.17")
        #expect(catalog.detect(ISONames(volumeID: "alpine-std 3.17.0 aarch64")) == nil, "another architecture's medium")
        #expect(catalog.detect(ISONames(volumeID: "MY_OWN_DISC")) == nil)
    }

    /// The names are read from a real ISO 9660 image's primary volume descriptor (made with genisoimage).
    @Test func anISOImageSaysItsNames() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("virtlab-iso-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/root", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "hello".write(toFile: directory + "/root/README", atomically: true, encoding: .utf8)
        let made = try await Run.command(["genisoimage", "-quiet", "-V", "Debian 11.5.0 amd64 n", "-sysid", "LINUX",
                                          "-publisher", "Debian CD", "-o", directory + "/debian.iso", directory + "/root"])
        #expect(made.status == 0, "\(made.stderr)")
        let names = try #require(ISONames.read(directory + "/debian.iso"))
        #expect(names == ISONames(systemID: "LINUX", volumeID: "Debian 11.5.0 amd64 n", publisherID: "Debian CD", applicationID: names.applicationID,
                                  bootable: false), "genisoimage without -b makes no boot record")
        #expect(try OSCatalog.installed().detect(names)?.shortID == "debian11")
        #expect(ISONames.read(directory + "/root/README") == nil, "a file that is no ISO image has no names")
    }
}

@Suite(.tags(.pure)) struct OSListCLITests {
    @Test func theListSaysWhatEachOSNeeds() async throws {
        let listed = try await Run.virtlab(["os", "list", "debian11"])
        #expect(listed.status == 0, "\(listed.stderr)")
        let lines = listed.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("SHORT ID") == true && lines.count == 2, "\(listed.stdout)")
        #expect(lines.last?.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
                == ["debian11", "Debian", "11", "2021-08-14", "1", "GiB", "/", "1", "GiB", "1", "20", "GiB", "yes"])
        let json = try await Run.virtlab(["os", "list", "win11", "--json"])
        let systems = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(systems.first?["short_ids"] as? [String] == ["win11"])
        let none = try await Run.virtlab(["os", "list", "no-such-os"])
        expectOneLineError(none, mentioning: ["no operating system matches 'no-such-os'"])
    }
}
