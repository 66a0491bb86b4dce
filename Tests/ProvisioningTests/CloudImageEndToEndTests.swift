import Foundation
import ImageKit
import Testing
import TestTags
import TestSupport
import VirtKit
@testable import Provisioning

/// The whole cloud-image story on the real libvirtd, under TCG: a Debian cloud image (built by
/// .ci/build-cloud-image, cached) boots with a NoCloud seed, cloud-init finishes, the user logs in with their key;
/// then a sanitized clone boots with its own machine-id and SSH host keys, its host name and user from cloud-init.
/// Takes about 5 minutes here; it fails loudly (never skips) without the image, libvirtd or virt-sysprep.
@Suite(.serialized, .tags(.guest)) struct CloudImageEndToEndTests {
    static let imageDirectory = ProcessInfo.processInfo.environment["VIRTLAB_CLOUD_IMAGE_DIR"]
        ?? "/var/cache/virtlab/cloud-image"
    let storage = "/var/lib/libvirt/images/virtlab-tests"

    struct Identity: Equatable {
        let hostname: String
        let machineID: String
        let hostKeyFingerprint: String
        let userLine: String
    }

    private func run(_ domain: Domain, _ argv: [String], input: Data? = nil) async throws -> GuestExecResult {
        try await blocking { try domain.guestExec(argv, input: input, timeoutSeconds: 120) }
    }

    /// Waits for the agent, then for cloud-init to report "done" (from its JSON status field, not its exit code).
    private func waitForCloudInit(_ domain: Domain) async throws -> String {
        let agent = await eventually(timeout: .seconds(300), every: .seconds(2)) { domain.agentResponds(timeoutSeconds: 2) }
        try #require(agent, "the guest agent of \(domain.name) never answered")
        var status = ""
        let done = await eventually(timeout: .seconds(300), every: .seconds(3)) {
            let result = try domain.guestExec(["cloud-init", "status", "--format", "json"], timeoutSeconds: 120)
            let json = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            status = json?["status"] as? String ?? ""
            return status == "done" || status == "error"
        }
        try #require(done, "cloud-init in \(domain.name) did not finish; last status '\(status)'")
        return status
    }

    private func identity(_ domain: Domain, user: String) async throws -> Identity {
        let fingerprint = try await run(domain, ["ssh-keygen", "-lf", "/etc/ssh/ssh_host_ed25519_key.pub"]).stdout
        return Identity(
            hostname: try await run(domain, ["hostname"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines),
            machineID: try await run(domain, ["cat", "/etc/machine-id"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines),
            hostKeyFingerprint: fingerprint.split(separator: " ").dropFirst().first.map(String.init) ?? "",
            userLine: try await run(domain, ["getent", "passwd", user]).stdout)
    }

    /// A real SSH login with the user's key, made inside the guest (user-mode networking lets nothing in from
    /// the host): sshd must accept the key cloud-init installed.
    private func logsInWithKey(_ domain: Domain, user: String, privateKey: Data) async throws -> String {
        _ = try await run(domain, ["sh", "-c", "umask 077; cat > /root/virtlab-test-key"], input: privateKey)
        let result = try await run(domain, ["ssh", "-i", "/root/virtlab-test-key", "-o", "StrictHostKeyChecking=no",
                                      "-o", "BatchMode=yes", "-o", "UserKnownHostsFile=/dev/null",
                                      "\(user)@127.0.0.1", "id", "-un"])
        _ = try await run(domain, ["rm", "-f", "/root/virtlab-test-key"])
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private func shutDown(_ domain: Domain) async throws {
        try await blocking { try domain.shutdown() }
        let off = await eventually(timeout: .seconds(180), every: .seconds(1)) { try domain.info().state == .shutOff }
        if !off { try await blocking { try domain.forceOff() } }
    }

    @Test(.timeLimit(.minutes(45))) func cloudImageBootsWithCloudInitAndASanitizedCloneHasItsOwnIdentity() async throws {
        let image = Self.imageDirectory + "/debian-cloud.qcow2"
        for asset in ["debian-cloud.qcow2", "vmlinuz", "initrd.img"]
            where !FileManager.default.fileExists(atPath: Self.imageDirectory + "/" + asset) {
            throw QEMUTestGuest.Unavailable(description: "LOUD: \(Self.imageDirectory)/\(asset) is missing: run "
                + "'make test' (it runs .ci/build-cloud-image)")
        }
        guard Tools.isInstalled("virt-sysprep") else {
            throw QEMUTestGuest.Unavailable(description: "LOUD: virt-sysprep is missing: run 'make test' "
                + "(it installs guestfs-tools)")
        }
        let connection = try QEMUTestGuest.connect()
        let name = QEMUTestGuest.uniqueName("cloud")
        let cloneName = name + "-clone"
        let scratch = NSTemporaryDirectory() + name
        defer {
            for vm in [name, cloneName] {
                QEMUTestGuest.cleanUp(connection, name: vm)
                for suffix in [".qcow2", "-seed.iso"] { try? FileManager.default.removeItem(atPath: "\(storage)/\(vm)\(suffix)") }
            }
            try? FileManager.default.removeItem(atPath: scratch)
        }
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        await #expect(try await Run.command(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", scratch + "/key"]).status == 0)
        let publicKey = try String(contentsOfFile: scratch + "/key.pub", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let privateKey = try Data(contentsOf: URL(fileURLWithPath: scratch + "/key"))

        let base = try #require(DiskImage.inspect(path: image))
        var spec = LaunchSpec(name: name, image: base, accelerator: .tcg, storageDirectory: storage)
        spec.memoryMiB = 768
        spec.user = "student"
        spec.sshKey = publicKey
        spec.kernel = Self.imageDirectory + "/vmlinuz"
        spec.initrd = Self.imageDirectory + "/initrd.img"
        spec.kernelCommandLine = "root=LABEL=cloudroot console=ttyS0 rw"
        _ = try await blocking { try CloudLauncher(connection: connection).launch(spec) }
        let original = try connection.domain(named: name)

        #expect(try await waitForCloudInit(original) == "done")
        let before = try await identity(original, user: "student")
        #expect(before.hostname == name)
        #expect(before.machineID.count == 32)
        #expect(before.hostKeyFingerprint.hasPrefix("SHA256:"))
        #expect(before.userLine.hasPrefix("student:"))
        #expect(try await logsInWithKey(original, user: "student", privateKey: privateKey) == "student")
        // A VM's DMI UUID is its libvirt UUID.
        #expect(try await run(original, ["cat", "/sys/class/dmi/id/product_uuid"]).stdout.lowercased()
            .contains(try original.info().uuid))

        try await shutDown(original)
        // virt-sysprep boots an appliance under TCG: minutes, on a thread of its own.
        let cloned = try await blocking {
            try Cloner(connection: connection).clone(name, as: cloneName, sanitize: true, storageDirectory: storage)
        }
        #expect(!cloned.sanitized.isEmpty)
        let clone = try connection.domain(named: cloneName)
        try await blocking { try clone.start() }
        #expect(try await waitForCloudInit(clone) == "done")
        let after = try await identity(clone, user: "student")
        #expect(after.machineID.count == 32 && after.machineID != before.machineID)
        #expect(after.hostKeyFingerprint.hasPrefix("SHA256:") && after.hostKeyFingerprint != before.hostKeyFingerprint)
        #expect(after.hostname == cloneName, "the host name comes from the clone's new seed")
        #expect(after.userLine.hasPrefix("student:"), "the user still comes from cloud-init")
        #expect(try await logsInWithKey(clone, user: "student", privateKey: privateKey) == "student")
        #expect(try clone.info().uuid != (try original.info().uuid))
    }
}
