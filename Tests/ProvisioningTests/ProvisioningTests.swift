import Foundation
import ImageKit
import Testing
import TestTags
import TestSupport
import VirtKit
@testable import Provisioning

/// Creating and cloning VMs on the real libvirtd: the test guest's kernel boots a VM whose disk is an overlay
/// on a small base image, with a real cloud-init seed attached.
@Suite(.serialized, .tags(.guest)) struct ProvisioningTests {
    let storage = "/var/lib/libvirt/images/virtlab-tests"

    private func sha256(_ path: String) throws -> String {
        try Run.command(["sha256sum", path]).stdout.split(separator: " ").first.map(String.init) ?? ""
    }

    private func base(_ name: String) throws -> DiskImage {
        try FileManager.default.createDirectory(atPath: storage, withIntermediateDirectories: true)
        let path = "\(storage)/\(name)-base.qcow2"
        #expect(try Run.command(["qemu-img", "create", "-q", "-f", "qcow2", path, "32M"]).status == 0)
        // Some data in the base, so "untouched" means something.
        #expect(try Run.command(["qemu-io", "-c", "write -P 0x5a 0 1M", path]).status == 0)
        return try #require(DiskImage.inspect(path: path))
    }

    private func spec(_ name: String, _ image: DiskImage) -> LaunchSpec {
        var spec = LaunchSpec(name: name, image: image, accelerator: .tcg, storageDirectory: storage)
        spec.memoryMiB = 192
        spec.kernel = QEMUTestGuest.assetDirectory + "/vmlinuz"
        spec.initrd = QEMUTestGuest.assetDirectory + "/initrd.gz"
        spec.kernelCommandLine = "console=ttyS0"
        spec.sshKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTests tester@example"
        return spec
    }

    private func cleanUp(_ connection: Connection, _ names: [String]) {
        for name in names { QEMUTestGuest.cleanUp(connection, name: name) }
        for name in names {
            for suffix in ["-base.qcow2", ".qcow2", "-seed.iso"] { try? FileManager.default.removeItem(atPath: "\(storage)/\(name)\(suffix)") }
        }
    }

    @Test func launchMakesAnOverlayAndASeedAndNeverWritesTheBase() async throws {
        let connection = try QEMUTestGuest.connect()
        let name = QEMUTestGuest.uniqueName("create")
        defer { cleanUp(connection, [name]) }
        let image = try base(name)
        let before = try sha256(image.path)

        let launched = try CloudLauncher(connection: connection).launch(spec(name, image))
        #expect(try connection.domain(named: name).info().state == .running)
        let overlay = try #require(DiskImage.inspect(path: launched.overlay))
        #expect(overlay.format == "qcow2" && overlay.backingFile == image.path && overlay.virtualSize == 32 << 20)

        // The seed, read back from the ISO: a fresh instance id, the host name, the user with the key, the agent.
        let meta = try #require(CloudSeed.read("meta-data", fromISO: launched.seed))
        let user = try #require(CloudSeed.read("user-data", fromISO: launched.seed))
        #expect(meta.contains("instance-id: \"iid-") && meta.contains("local-hostname: \"\(name)\""))
        #expect(user.hasPrefix("#cloud-config") && user.contains("- name: \"virtlab\""))
        #expect(user.contains("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTests"))
        #expect(user.contains("qemu-guest-agent"))
        await #expect(try await Run.command(["isoinfo", "-d", "-i", launched.seed]).stdout.lowercased().contains("volume id: cidata"))

        let details = try connection.domain(named: name).details()
        #expect(details.hypervisorType == "qemu")
        #expect(details.disks.contains { $0.source == launched.overlay && $0.bus == "virtio" })
        #expect(details.disks.contains { $0.source == launched.seed && $0.device == "cdrom" && $0.readOnly })
        #expect(details.nics.first?.model == "virtio")
        #expect(try connection.domain(named: name).xml().contains("org.qemu.guest_agent.0"))

        try connection.domain(named: name).forceOff()
        #expect(try sha256(image.path) == before, "the base image must never be written")
    }

    @Test func aFailedLaunchLeavesNothingBehind() throws {
        let connection = try QEMUTestGuest.connect()
        let name = QEMUTestGuest.uniqueName("fail")
        defer { cleanUp(connection, [name]) }
        let image = try base(name)
        // A network that is defined but not started: the VM defines fine and fails to start. (The network is
        // never started, so no bridge is made.)
        let inactive = "vltest-\(UUID().uuidString.prefix(6).lowercased())"
        try connection.defineNetwork(NetworkSpec(name: inactive, mode: .isolated), hostInterfaces: [], hostRoutes: [])
        defer { try? connection.deleteNetwork(inactive, evenIfInUse: true) }
        var broken = spec(name, image)
        broken.network = inactive
        #expect(throws: LibvirtError.self) { try CloudLauncher(connection: connection).launch(broken) }
        #expect((try? connection.domain(named: name)) == nil)
        #expect(!FileManager.default.fileExists(atPath: "\(storage)/\(name).qcow2"))
        #expect(!FileManager.default.fileExists(atPath: "\(storage)/\(name)-seed.iso"))
        // A network that does not exist is said before any disk is made.
        broken.network = "no-such-network-\(name)"
        let missing = #expect(throws: Refusal.self) { try CloudLauncher(connection: connection).launch(broken) }
        #expect(missing?.description.contains("no network 'no-such-network-") == true)
        #expect(!FileManager.default.fileExists(atPath: "\(storage)/\(name).qcow2"))

        // A taken name is refused before anything is made, and the existing VM is untouched.
        _ = try CloudLauncher(connection: connection).launch(spec(name, image))
        let taken = #expect(throws: ProvisioningError.self) {
            try CloudLauncher(connection: connection).launch(spec(name, image))
        }
        #expect(taken?.description.contains("already exists") == true)
        #expect(try connection.domain(named: name).info().state == .running)
        // Not a disk image, and an ISO, are refused by what their headers say.
        let iso = try #require(DiskImage.inspect(path: "\(storage)/\(name)-seed.iso"))
        #expect(throws: ProvisioningError.self) {
            try CloudLauncher(connection: connection).launch(spec(name + "-iso", iso))
        }
        #expect(throws: ProvisioningError.self) {
            try CloudLauncher(connection: connection).launch(spec("bad name;rm", image))
        }
    }

    @Test func cloneGetsANewUUIDNewMACsAndDisksOfItsOwn() throws {
        let connection = try QEMUTestGuest.connect()
        let name = QEMUTestGuest.uniqueName("src")
        let cloneName = name + "-copy"
        defer { cleanUp(connection, [name, cloneName]); try? FileManager.default.removeItem(atPath: "\(storage)/\(cloneName)-seed.iso") }
        let image = try base(name)
        let launched = try CloudLauncher(connection: connection).launch(spec(name, image))

        let running = #expect(throws: ProvisioningError.self) {
            try Cloner(connection: connection).clone(name, as: cloneName, sanitize: false, storageDirectory: storage)
        }
        #expect(running?.description.contains("shut it down first") == true)

        try connection.domain(named: name).forceOff()
        let sourceDetails = try connection.domain(named: name).details()
        let overlayBefore = try sha256(launched.overlay)
        let cloned = try Cloner(connection: connection).clone(name, as: cloneName, sanitize: false,
                                                              storageDirectory: storage)
        let cloneDetails = try connection.domain(named: cloneName).details()
        #expect(cloneDetails.uuid != sourceDetails.uuid)
        #expect(Set(cloneDetails.nics.map(\.mac)).isDisjoint(with: sourceDetails.nics.map(\.mac)))
        #expect(cloneDetails.nics.count == sourceDetails.nics.count)
        let cloneDisk = try #require(cloned.disks.first)
        #expect(cloneDisk != launched.overlay && cloneDetails.disks.contains { $0.source == cloneDisk })
        // Its disk is an overlay on the same read-only base, not on the source's writable disk.
        #expect(DiskImage.inspect(path: cloneDisk)?.backingFile == image.path)
        #expect(cloned.seed != nil && cloned.seed != launched.seed)
        #expect(try sha256(launched.overlay) == overlayBefore, "the source's disk must not change")
        // Without --sanitize the seed keeps the source's cloud-init identity (so the difference is visible).
        let meta = CloudSeed.read("meta-data", fromISO: launched.seed) ?? ""
        #expect(CloudSeed.read("meta-data", fromISO: cloned.seed!) == meta)
        // The clone boots.
        try connection.domain(named: cloneName).start()
        #expect(try connection.domain(named: cloneName).info().state == .running)

        let again = #expect(throws: ProvisioningError.self) {
            try Cloner(connection: connection).clone(name, as: cloneName, sanitize: false, storageDirectory: storage)
        }
        #expect(again?.description.contains("already exists") == true)
    }
}
