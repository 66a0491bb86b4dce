import Foundation
import Testing
import TestTags
import TestSupport
@testable import LabGrader
import LabFormat

/// The guest lab a student does by hand, on one real cloud VM (TCG): start-cloud-image boots it with the student's
/// key on a NAT network. It earns nothing untouched and everything after its solution; its cleanup leaves nothing
/// (and no points) behind. While the VM holds its lease, `virtlab vm ssh` and the SSH fallback of `vm:` targets are
/// proven on it. The guest labs that bring their own VM are proven in ShippedGuestEnvironmentLabTests. Runs inside
/// the test network namespace (guests' addresses are reached).
@Suite(.serialized, .tags(.guest)) struct GuestLabsEndToEndTests {
    static let cloudImage = "/var/cache/virtlab/cloud-image/debian-cloud.qcow2"
    static let order = ["start-cloud-image"]

    @Test func everyGuestLabFailsUntouchedAndPassesAfterItsSolution() async throws {
        guard FileManager.default.fileExists(atPath: Self.cloudImage) else {
            throw QEMUTestGuest.Unavailable(description: "LOUD: no cloud image at \(Self.cloudImage): run 'make test' "
                                            + "(it runs .ci/build-cloud-image)")
        }
        try TestNetwork.requireInside()
        // The solutions call virtlab itself, and libguestfs must not try the broken nested KVM here. Guests' host
        // keys go to a known_hosts of this run's own (addresses repeat between runs; keys do not).
        let binDirectory = (Run.virtlabBinary as NSString).deletingLastPathComponent
        setenv("PATH", binDirectory + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"), 1)
        setenv("VIRTLAB_CLOUD_IMAGE", Self.cloudImage, 1)
        setenv("LIBGUESTFS_BACKEND", "direct", 1)
        setenv("LIBGUESTFS_BACKEND_SETTINGS", "force_tcg", 1)
        let state = NSTemporaryDirectory() + "virtlab-e2e-state-\(UUID().uuidString.prefix(8))"
        setenv("XDG_STATE_HOME", state, 1)
        defer { try? FileManager.default.removeItem(atPath: state) }

        let student = "e2e\(UUID().uuidString.prefix(4).lowercased())"
        var graders: [Grader] = []
        for id in Self.order {
            let lab = try #require(LabLoader.load(file: "\(Repository.labs)/\(id).yaml").lab)
            #expect(await Requirements.unmet(lab, libvirtURI: "qemu:///system").isEmpty)
            graders.append(Grader(lab: lab, student: student, libvirtURI: "qemu:///system"))
        }

        for grader in graders {
            let lab = grader.lab
            for (step, outcome) in await grader.setUp() {
                #expect(outcome.status == 0 && !outcome.timedOut, "setup of \(lab.id)/\(step): \(outcome.stderr)")
            }
            let before = await grader.grade()
            #expect(before.earned == 0, "untouched, \(lab.id) must earn nothing:\n\(ReportFormat.text.render(before))")
            for (step, outcome) in await grader.solve() {
                #expect(outcome.status == 0 && !outcome.timedOut, "solve of \(lab.id)/\(step): \(outcome.stderr)")
            }
            let after = await grader.grade()
            #expect(after.allPassed && after.earned == lab.points, "\(ReportFormat.text.render(after))")
            if lab.id == "start-cloud-image" {
                try await proveSSH(vm: "cloud-\(student)", key: "/tmp/virtlab-cloud-\(student)/id_ed25519",
                                   knownHosts: state + "/virtlab/known_hosts")
            }
        }

        for grader in graders.reversed() {
            for (step, outcome) in await grader.cleanUp() {
                #expect(outcome.status == 0, "cleanup of \(grader.lab.id)/\(step): \(outcome.stderr)")
            }
        }
        let vmGone = await graders[0].grade()
        #expect(vmGone.earned == 0, "the cleanups must remove the VM:\n\(ReportFormat.text.render(vmGone))")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/virtlab-cloud-\(student)"))
    }

    /// On the cloud VM with a NAT lease: `virtlab vm ssh` logs in with the key cloud-init installed; with the guest
    /// agent stopped, a `vm:` check still runs (over SSH, as the VM's cloud-init user); a host key that changed is
    /// refused with the command that forgets the old one.
    private func proveSSH(vm: String, key: String, knownHosts: String) async throws {
        let login = try await Run.command([Run.virtlabBinary, "vm", "ssh", vm, "-i", key, "--", "hostname"])
        #expect(login.status == 0 && login.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == vm,
                "vm ssh: \(login.stderr)")

        // What the guest agent knows, as `vm info` shows it.
        let info = try await Run.command([Run.virtlabBinary, "vm", "info", vm, "--uri", "qemu:///system"])
        #expect(info.stdout.contains("Guest OS:    Debian GNU/Linux"), "\(info.stdout)\n\(info.stderr)")
        #expect(info.stdout.contains("Host name:   \(vm)"))
        #expect(info.stdout.contains("Kernel:      ") && !info.stdout.contains("Kernel:      -"))
        #expect(info.stdout.split(separator: "\n").contains { $0.hasPrefix("  / ") && $0.contains("used of") }, "the root file system")
        #expect(info.stdout.split(separator: "\n").contains { $0.hasPrefix("  e") && $0.contains("/") },
                "the interfaces with their addresses")
        let domain = try QEMUTestGuest.connect().domain(named: vm)
        // --no-block: the agent that runs the command is the one going away.
        _ = try? domain.guestExec(["systemctl", "--no-block", "stop", "qemu-guest-agent"], timeoutSeconds: 30)
        let agentGone = await eventually(timeout: .seconds(60), every: .seconds(1)) { !domain.agentResponds(timeoutSeconds: 2) }
        try #require(agentGone, "the guest agent of \(vm) did not stop")
        setenv("VIRTLAB_SSH_IDENTITY", key, 1)
        defer { unsetenv("VIRTLAB_SSH_IDENTITY") }
        let (probe, problems) = LabLoader.parse("""
            id: ssh-fallback
            title: SSH fallback
            steps:
              - id: s
                title: S
                instructions: Nothing to do.
                checks:
                  - {id: hostname, title: Host name, target: "vm:\(vm)", command: {run: [hostname], stdout: "\(vm)"}}
                  - {id: user, title: Who runs it, target: "vm:\(vm)", command: {run: [id, -un], stdout: learner}}
            """, file: "ssh-fallback.yaml")
        try #require(problems.isEmpty, "\(problems)")
        let overSSH = await Grader(lab: try #require(probe), student: "e2e", libvirtURI: "qemu:///system").grade()
        #expect(overSSH.allPassed, "with its agent stopped, checks in \(vm) go over SSH:\n\(ReportFormat.text.render(overSSH))")
        let restart = try await Run.command([Run.virtlabBinary, "vm", "ssh", vm, "-i", key, "--",
                                       "sudo", "systemctl", "start", "qemu-guest-agent"])
        #expect(restart.status == 0, "\(restart.stderr)")
        let agentBack = await eventually(timeout: .seconds(60), every: .seconds(1)) { domain.agentResponds(timeoutSeconds: 2) }
        try #require(agentBack, "the guest agent of \(vm) did not come back")

        // Another key filed for this VM, as if it were an impostor at its address.
        let alias = "virtlab-vm-\(try domain.info().uuid)"
        let saved = try String(contentsOfFile: knownHosts, encoding: .utf8)
        #expect(saved.contains(alias), "the VM's key is filed under its UUID")
        let impostor = NSTemporaryDirectory() + "impostor-\(UUID().uuidString.prefix(8))"
        _ = try await Run.command(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", impostor])
        let impostorKey = try String(contentsOfFile: impostor + ".pub", encoding: .utf8).split(separator: " ").prefix(2)
        try "\(alias) \(impostorKey.joined(separator: " "))\n".write(toFile: knownHosts, atomically: true, encoding: .utf8)
        let address = try #require(try domain.guestAddress())
        let refused = try await Run.command([Run.virtlabBinary, "vm", "ssh", vm, "-i", key, "--", "true"])
        #expect(refused.status == 1)
        #expect(refused.stderr.split(whereSeparator: \.isNewline).last.map(String.init)
                == "virtlab: the host key of \(vm) (\(address)) is not the one virtlab saw "
                + "there before; refusing to connect. If its keys were made anew, forget the old one with "
                + "'ssh-keygen -R \(alias) -f \(knownHosts)'", "\(refused.stderr)")
        try saved.write(toFile: knownHosts, atomically: true, encoding: .utf8)
        for file in [impostor, impostor + ".pub"] { try? FileManager.default.removeItem(atPath: file) }

        // The dashboard at 80x24: the Networks pane, filtered to the NAT network, shows the VM and its lease.
        let nat = "cloudnet-" + vm.dropFirst("cloud-".count)
        let natAddress = try #require(try domain.guestAddress(onNetwork: nat))
        let session = try await TmuxSession([Run.virtlabBinary, "--uri", "qemu:///system", "--delay", "0.5"])
        #expect(await session.waitFor("1 VMs ("), "the tab at 80 columns: \(session.lastScreen)")
        try await session.send("5")
        try await session.send("/")
        try await session.send(nat, literal: true)
        try await session.send("Enter")
        #expect(await session.waitFor("Lease      \(natAddress)"), "the lease on \(nat):\n\(session.lastScreen)")
        #expect(await session.screen().contains("VMs        \(vm)"), "\(session.lastScreen)")
        try await session.send("q")
    }
}
