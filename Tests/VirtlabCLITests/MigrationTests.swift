import Foundation
import Inventory
@testable import Services
import Testing
import TestSupport
import TestTags
import VirtKit

/// Migration between two real libvirt hosts (`.ci/two-hosts`: two daemons, each in network and mount namespaces of
/// its own, a veth pair between them, shared storage), with the test guest under TCG. Their shared storage is a
/// directory both see, which libvirt cannot recognise as shared (it knows NFS, GFS2, Ceph…), so moves of guests
/// whose disks stay on it pass `--unsafe`, as a user of such storage would.
@Suite(.serialized, .tags(.guest)) struct MigrationTests {
    /// Live there, a file written before the move still there and the guest not restarted; back again; offline;
    /// with a copy of a disk only one host has; and what refuses, each in one line.
    @Test func vmsMoveBetweenTwoRealHostsAndWhatCannotMoveIsSaidFirst() async throws {
        let hosts = try await TwoHosts.up()
        do {
            try await liveThereAndBack(hosts)
            try await offlineAndCopyStorage(hosts)
            try await refusals(hosts)
        } catch {
            await hosts.down()
            throw error
        }
        await hosts.down()
    }

    /// The shipped migration lab as a student meets it, on the two hosts (host a's images directory is this machine's,
    /// where `lab up` makes the VM): up (a cloud-image VM on a), graded untouched, solved (its seed CD ejected, moved
    /// live with its disk to b: same UUID, same boot, the file cloud-init wrote still there), reset (made anew on a),
    /// down (nothing of it on either host).
    @Test func theMigrationLabFailsUntouchedAndPassesAfterItsSolution() async throws {
        let cloudImage = ShippedGuestEnvironmentLabTests.cloudImage
        guard FileManager.default.fileExists(atPath: cloudImage) else {
            throw QEMUTestGuest.Unavailable(description: "LOUD: no cloud image at \(cloudImage): run 'make test' (it runs .ci/build-cloud-image)")
        }
        let hosts = try await TwoHosts.up(systemImagesOnA: true)
        do {
            // Copy-storage makes the disk's copy in a pool on the destination, as a student's second host would have.
            for verb in [["pool-define-as", "images", "dir", "--target", "/var/lib/libvirt/images"], ["pool-start", "images"]] {
                let made = try await Run.command(["virsh", "-c", hosts.b] + verb)
                #expect(made.status == 0, "\(made.stderr)")
            }
            try await ShippedEnvironmentLabTests.prove("migration.yaml", environment: [
                "VIRTLAB_CLOUD_IMAGE": cloudImage, "VIRTLAB_SECOND_HOST": hosts.b,
            ], hosts: [hosts.a, hosts.b])
        } catch {
            await hosts.down()
            throw error
        }
        await hosts.down()
    }

    /// A move cancelled while it copies (progress seen first) leaves the VM running where it was and nothing on the
    /// destination.
    @Test func aCancelledMoveLeavesTheVMRunningWhereItWas() async throws {
        let hosts = try await TwoHosts.up()
        do {
            let (a, b) = (try Hypervisor(uri: hosts.a, readOnly: false), try Hypervisor(uri: hosts.b, readOnly: false))
            let name = "vlmig-cancel"
            let move = try await slowMoveUnderWay(name, from: a, to: b, hosts: hosts)
            move.cancel()
            let outcome = await move.result
            guard case .failure(let error as MigrationFailed) = outcome else {
                Issue.record("the cancelled move ended as \(outcome)")
                throw CancellationError()
            }
            #expect(error.cancelled && error.description == "migration of \(name) cancelled: it runs on where it was")
            let back = await eventually { try a.vm(named: name).isRunning(on: a) }
            #expect(back, "the VM does not run on the source after the cancel")
            #expect((try? b.vm(named: name)) == nil, "the destination kept a VM after the cancel")
        } catch {
            await hosts.down()
            throw error
        }
        await hosts.down()
    }

    /// Copy-storage onto a destination whose images file system is too small for the disk's virtual size (libvirt
    /// preallocates the copy at that size) is refused before anything moves, naming the pool, its free space and
    /// what the copy takes. Then a move that copies a disk, cancelled at every
    /// stage (before libvirt has begun its job, while it begins, while the disk is copied) leaves the VM running
    /// where it was and nothing of it on the destination: no VM, no half copy of its disk. (Cancelled while the
    /// memory is copied: the test above.)
    @Test func aCopyThatCannotFitIsRefusedAndACancelAtAnyStageLeavesNothingThere() async throws {
        let hosts = try await TwoHosts.up(imagesOnBMiB: 96)
        do {
            let (a, b) = (try Hypervisor(uri: hosts.a, readOnly: false), try Hypervisor(uri: hosts.b, readOnly: false))
            for uri in [hosts.a, hosts.b] {
                for verb in [["pool-define-as", "images", "dir", "--target", "/var/lib/libvirt/images"], ["pool-start", "images"]] {
                    let made = try await Run.command(["virsh", "-c", uri] + verb)
                    #expect(made.status == 0, "\(made.stderr)")
                }
            }
            let copyOnB = { (name: String) in "\(hosts.directory)/b/lib/images/\(name).qcow2" }

            let big = "vlmig-big"
            // Little of it used (8 MiB), but libvirt makes the copy at its whole virtual size (128 MiB).
            _ = try await start(big, on: a, hosts: hosts, localDataMiB: 8, size: "128M")
            let refused = try await Run.virtlab(["vm", "migrate", big, "--uri", hosts.a, "--to", hosts.b, "--copy-storage"])
            expectOneLineError(refused, mentioning: ["\(big) cannot move to \(hosts.b)", "pool images on \(hosts.b) has",
                                                     "free; the copy of /var/lib/libvirt/images/\(big).qcow2 takes its whole "
                                                     + "virtual size, 128 MiB"])
            #expect(try a.vm(named: big).isRunning(on: a))
            #expect((try? b.vm(named: big)) == nil && !FileManager.default.fileExists(atPath: copyOnB(big)))
            _ = try await Run.command(["virsh", "-c", hosts.a, "destroy", big])

            let name = "vlmig-copy"
            let vm = try await start(name, on: a, hosts: hosts, localDataMiB: 12)
            let plan = a.migrationPlan(vm, to: b, mode: .live, copyStorage: true, bandwidthMiBPerSecond: 1)
            #expect(plan.canGo, "\(plan.checks)")
            // The cancel comes ever later: before the move has begun, as libvirt prepares the destination, as the
            // copy starts. Whenever it comes, the outcome must be the same.
            for delay in [0, 5, 20, 100, 400] {
                let move = Task { try await a.migrate(vm, to: b, as: plan) { _ in } }
                try await Task.sleep(for: .milliseconds(delay))
                move.cancel()
                try await expectCancelled(move, name, stillOn: a, notOn: b, copy: copyOnB(name), after: "\(delay) ms")
            }
            let seen = Progress()
            let move = Task { try await a.migrate(vm, to: b, as: plan, interval: .milliseconds(200)) { seen.add($0) } }
            let copying = await eventually(timeout: .seconds(120)) { seen.last?.diskProcessedBytes ?? 0 > 0 }
            #expect(copying, "libvirt reported no disk copied: \(String(describing: seen.last))")
            move.cancel()
            try await expectCancelled(move, name, stillOn: a, notOn: b, copy: copyOnB(name), after: "part of the disk was copied")
        } catch {
            await hosts.down()
            throw error
        }
        await hosts.down()
    }

    private func expectCancelled(_ move: Task<MigrationOutcome, Error>, _ name: String, stillOn a: Hypervisor,
                                 notOn b: Hypervisor, copy: String, after when: String) async throws {
        let outcome = await move.result
        guard case .failure(let error as MigrationFailed) = outcome else {
            Issue.record("the move cancelled after \(when) ended as \(outcome)")
            throw CancellationError()
        }
        #expect(error.cancelled, "cancelled after \(when): \(error)")
        let running = await eventually { try a.vm(named: name).isRunning(on: a) }
        #expect(running, "the VM does not run on its host after a cancel after \(when)")
        let nothingThere = await eventually { (try? b.vm(named: name)) == nil && !FileManager.default.fileExists(atPath: copy) }
        let kept = (try? b.vm(named: name)) != nil ? "the VM" : "a copy of its disk (\(copy))"
        #expect(nothingThere, "after a cancel after \(when) the destination kept \(kept)")
    }

    /// The administrator's way, in the dashboard over both hosts (tmux): `m` on the VM, the other host chosen, the move
    /// under way in the VM's detail (libvirt's migration speed for it set to 1 MiB/s, so that it lasts), `Esc`
    /// cancels it (the VM runs on where it was), and `m` again moves it (at full speed) — each checked in libvirt
    /// and in the Log pane. The guest has no disk: the dashboard moves without --unsafe, which this rig's shared
    /// directory would need.
    @Test func theDashboardMovesAVMBetweenTwoHostsWithProgressAndCancel() async throws {
        let hosts = try await TwoHosts.up()
        do {
            let (a, b) = (try Hypervisor(uri: hosts.a, readOnly: false), try Hypervisor(uri: hosts.b, readOnly: false))
            let name = "vlmig-tui"
            let diskless = hosts.guestXML(name: name, disk: "")
                .replacingOccurrences(of: #"<disk type='file' device='disk'>[\s\S]*?</disk>"#, with: "", options: .regularExpression)
            _ = try a.define(xml: diskless)
            _ = try a.perform(MachineAction(StartVM()), on: try a.vm(named: name))
            #expect(await eventually(timeout: .seconds(180)) { hosts.serialLog(of: name).contains("virtlab-guest: up") })
            let slow = try await Run.command(["virsh", "-c", hosts.a, "migrate-setspeed", name, "1"])
            #expect(slow.status == 0, "\(slow.stderr)")
            let connection = try Connection(uri: hosts.a)

            let session = try await TmuxSession([Run.virtlabBinary, "--uri", hosts.a, "--uri", hosts.b, "--delay", "0.5"], width: 200)
            await expectScreen(session, contains: "Virtual machines (")
            try await session.send("/")
            try await session.send(name, literal: true)
            try await session.send("Enter")
            await expectScreen(session, contains: "─ \(name) ─")
            try await session.send("m")
            await expectScreen(session, contains: "Move \(name) from \(hosts.a) to")
            try await session.send("Enter")
            let copying = await eventually(timeout: .seconds(60)) {
                try connection.domain(named: name).jobProgress()?.dataProcessedBytes ?? 0 > 0
            }
            #expect(copying, "libvirt shows no move of \(name) under way")
            await expectRow(session, "the move's figures in the VM's detail") { $0.contains("MOVE ") && $0.contains(" MiB/s") }
            await expectScreen(session, contains: "  to \(hosts.b)")
            try await session.send("Escape")
            let stayed = await eventually(timeout: .seconds(60)) {
                try connection.domain(named: name).jobProgress() == nil && (try? b.vm(named: name)) == nil
                    && a.vm(named: name).isRunning(on: a)
            }
            #expect(stayed, "the cancelled move did not leave the VM running on \(hosts.a) alone")
            await expectGone(session, "  to \(hosts.b)")

            let fast = try await Run.command(["virsh", "-c", hosts.a, "migrate-setspeed", name, "8192"])
            #expect(fast.status == 0, "\(fast.stderr)")
            try await session.send("m")
            await expectScreen(session, contains: "Move \(name) from \(hosts.a) to")
            try await session.send("Enter")
            let moved = await eventually(timeout: .seconds(120)) {
                (try? b.vm(named: name).isRunning(on: b)) == true && (try? a.vm(named: name)) == nil
            }
            #expect(moved, "the VM did not move to \(hosts.b)")
            // The Log pane keeps both moves with the command that does the same: the cancelled one failed, the other ok.
            try await session.send("7")
            for result in ["failed", "ok"] {
                await expectRow(session, "the \(result) move in the Log") {
                    $0.contains(" \(result) ") && $0.contains("libvirt-sock' migrate --live")
                }
            }
            try await session.send("q")
            await expectScreen(session, contains: "VIRTLAB_EXIT=0")
        } catch {
            await hosts.down()
            throw error
        }
        await hosts.down()
    }

    /// The source's libvirtd lost while the memory is copied: the move fails in one line, the destination keeps
    /// nothing, and once that daemon is back the VM runs where it was — on one host only, never lost.
    @Test func aMoveWhoseSourceDaemonIsLostLeavesTheVMOnItsHost() async throws {
        let hosts = try await TwoHosts.up()
        do {
            let (a, b) = (try Hypervisor(uri: hosts.a, readOnly: false), try Hypervisor(uri: hosts.b, readOnly: false))
            let name = "vlmig-lost"
            let move = try await slowMoveUnderWay(name, from: a, to: b, hosts: hosts)
            await hosts.stopDaemon(of: hosts.a)
            let outcome = await move.result
            guard case .failure(let error as MigrationFailed) = outcome else {
                Issue.record("the move ended as \(outcome) when its source daemon was lost")
                throw CancellationError()
            }
            #expect(!error.cancelled && error.description.hasPrefix("migration of \(name) failed: ")
                    && !error.description.contains("\n"), "\(error)")
            let nothingThere = await eventually { (try? b.vm(named: name)) == nil }
            #expect(nothingThere, "the destination kept the VM")
            try await hosts.startDaemon(of: hosts.a)
            let back = await eventually(timeout: .seconds(120)) {
                let again = try Hypervisor(uri: hosts.a, readOnly: true)
                return try again.vm(named: name).isRunning(on: again)
            }
            #expect(back, "the VM does not run on its host once the daemon is back")
            #expect((try? b.vm(named: name)) == nil, "and it is on one host only")
        } catch {
            await hosts.down()
            throw error
        }
        await hosts.down()
    }

    /// Every running VM of a host moved in one command, one row each; the one whose network the destination lacks
    /// is named with the reason and stays, and the others still go.
    @Test func evacuatingAHostMovesEveryRunningVMAndNamesTheOneThatCannot() async throws {
        let hosts = try await TwoHosts.up()
        do {
            let (a, b) = (try Hypervisor(uri: hosts.a, readOnly: false), try Hypervisor(uri: hosts.b, readOnly: false))
            let network = try await networkOnlyOnA(hosts)
            for (name, nic) in [("vlevac-1", nil), ("vlevac-2", nil), ("vlevac-3", network)] {
                _ = try a.define(xml: hosts.guestXML(name: name, disk: try await hosts.makeDisk(name), network: nic))
                _ = try a.perform(MachineAction(StartVM()), on: try a.vm(named: name))
            }
            let explained = try await Run.virtlab(["host", "evacuate", hosts.a, "--to", hosts.b, "--explain"])
            #expect(explained.stdout.split(separator: "\n").count == 3, "\(explained.stdout)")
            let evacuated = try await Run.virtlab(["host", "evacuate", hosts.a, "--to", hosts.b, "--unsafe"])
            #expect(evacuated.status == 1, "one VM stays")
            let lines = evacuated.stdout.split(separator: "\n").map(String.init)
            #expect(lines.first == "evacuating \(hosts.a): 3 running VMs to \(hosts.b), one at a time", "\(lines)")
            #expect(lines.dropFirst().first?.hasPrefix("moved vlevac-1 to \(hosts.b)") == true, "\(lines)")
            #expect(lines.dropFirst(2).first?.hasPrefix("moved vlevac-2 to \(hosts.b)") == true, "\(lines)")
            #expect(lines.last == "2 of 3 moved; 1 stays on \(hosts.a)", "\(lines)")
            #expect(evacuated.stderr.contains("virtlab: vlevac-3 cannot move to \(hosts.b): network \(network) does not exist"),
                    "\(evacuated.stderr)")
            #expect(try b.vm(named: "vlevac-1").isRunning(on: b) && b.vm(named: "vlevac-2").isRunning(on: b))
            #expect(try a.vm(named: "vlevac-3").isRunning(on: a))
            #expect(try a.activeVMNames() == ["vlevac-3"])
        } catch {
            await hosts.down()
            throw error
        }
        await hosts.down()
    }

    // MARK: - Steps

    private func liveThereAndBack(_ hosts: TwoHosts) async throws {
        let name = "vlmig-live"
        let (a, b) = (try Hypervisor(uri: hosts.a, readOnly: false), try Hypervisor(uri: hosts.b, readOnly: false))
        let vm = try await start(name, on: a, hosts: hosts)
        let uuid = vm.uuid
        _ = try await GuestConsole.run("echo kept > /tmp/before-the-move", in: try Connection(uri: hosts.a).domain(named: name))
        let uptimeBefore = try await uptime(of: name, on: hosts.a)

        let checked = try await Run.virtlab(["vm", "migrate", name, "--uri", hosts.a, "--to", hosts.b, "--check"])
        #expect(checked.status == 0, "\(checked.stderr)")
        #expect(checked.stdout.hasPrefix("\(name) → \(hosts.b) (live): can move"), "\(checked.stdout)")
        #expect(checked.stdout.contains("network") == false && checked.stdout.contains("disk vda"), "\(checked.stdout)")

        let explained = try await Run.virtlab(["vm", "migrate", name, "--uri", hosts.a, "--to", hosts.b, "--unsafe", "--explain"])
        #expect(explained.stdout.trimmingCharacters(in: .newlines) == ShellWords.line([
            "virsh", "-c", hosts.a, "migrate", "--live", "--persistent", "--undefinesource", "--unsafe", "--verbose",
            name, hosts.b]))
        #expect(try a.vm(named: name).uuid == uuid, "--explain moved nothing")

        let moved = try await Run.virtlab(["vm", "migrate", name, "--uri", hosts.a, "--to", hosts.b, "--unsafe"])
        #expect(moved.status == 0, "\(moved.stderr)")
        #expect(moved.stdout.hasPrefix("moved \(name) to \(hosts.b) in "), "\(moved.stdout)")
        #expect(moved.stdout.contains("downtime"), "libvirt's measured downtime is said: \(moved.stdout)")
        let there = try b.vm(named: name)
        #expect(there.uuid == uuid)
        #expect(try there.isRunning(on: b))
        #expect((try? a.vm(named: name)) == nil, "the source still has the VM")
        let onB = try Connection(uri: hosts.b).domain(named: name)
        #expect(try await GuestConsole.run("cat /tmp/before-the-move", in: onB) == "kept")
        let uptimeAfter = try await uptime(of: name, on: hosts.b)
        #expect(uptimeAfter >= uptimeBefore, "the guest restarted: uptime \(uptimeBefore) s before, \(uptimeAfter) s after")

        // And back, through the service as the dashboard takes it, with a bandwidth limit and the progress seen.
        let back = b.migrationPlan(there, to: a, mode: nil, bandwidthMiBPerSecond: 64, maxDowntimeMilliseconds: 500, unsafe: true)
        #expect(back.request.mode == .live && back.canGo, "\(back.checks)")
        let outcome = try await b.migrate(there, to: a, as: back) { _ in }
        #expect(outcome.uuid == uuid && outcome.said.hasPrefix("moved \(name) to \(hosts.a)"))
        #expect(try a.vm(named: name).isRunning(on: a))
        #expect((try? b.vm(named: name)) == nil)
    }

    private func offlineAndCopyStorage(_ hosts: TwoHosts) async throws {
        let (a, b) = (try Hypervisor(uri: hosts.a, readOnly: false), try Hypervisor(uri: hosts.b, readOnly: false))
        // Offline: a shut-off VM's definition moves; --live on it is refused first.
        let cold = "vlmig-offline"
        _ = try a.define(xml: hosts.guestXML(name: cold, disk: try await hosts.makeDisk(cold)))
        let live = try await Run.virtlab(["vm", "migrate", cold, "--uri", hosts.a, "--to", hosts.b, "--live"])
        expectOneLineError(live, mentioning: ["\(cold) cannot move to \(hosts.b)", "\(cold) is shut off; --live moves a running VM"])
        let offline = try await Run.virtlab(["vm", "migrate", cold, "--uri", hosts.a, "--to", hosts.b])
        #expect(offline.status == 0 && offline.stdout.hasPrefix("moved \(cold) to \(hosts.b)"), "\(offline.stderr)")
        #expect(try b.vm(named: cold).isRunning(on: b) == false)
        #expect((try? a.vm(named: cold)) == nil)

        // A disk only host a has: refused without --copy-storage, copied with it.
        let pools = ["pool-define-as", "images", "dir", "--target", "/var/lib/libvirt/images"]
        for uri in [hosts.a, hosts.b] {
            _ = try await Run.command(["virsh", "-c", uri] + pools)
            _ = try await Run.command(["virsh", "-c", uri, "pool-start", "images"])
        }
        let local = "vlmig-local"
        let disk = try await hosts.makeDisk(local, onlyOn: hosts.a)
        _ = try a.define(xml: hosts.guestXML(name: local, disk: disk))
        let vm = try a.vm(named: local)
        _ = try a.perform(MachineAction(StartVM()), on: vm)
        let refused = try await Run.virtlab(["vm", "migrate", local, "--uri", hosts.a, "--to", hosts.b, "--check"])
        #expect(refused.status == 1)
        #expect(refused.stdout.contains("STOP  disk vda") && refused.stdout.contains("\(disk) is not on \(hosts.b): give --copy-storage"),
                "\(refused.stdout)")
        let copied = try await Run.virtlab(["vm", "migrate", local, "--uri", hosts.a, "--to", hosts.b, "--copy-storage"])
        #expect(copied.status == 0, "\(copied.stderr) \(copied.stdout)")
        #expect(try b.vm(named: local).isRunning(on: b))
        #expect(FileManager.default.fileExists(atPath: "\(hosts.directory)/b/lib/images/\(local).qcow2"))
    }

    private func refusals(_ hosts: TwoHosts) async throws {
        let a = try Hypervisor(uri: hosts.a, readOnly: false)
        let name = "vlmig-refused"
        // A NIC on a network host b lacks, and a host device: both said, nothing moves.
        let network = try await networkOnlyOnA(hosts)
        var xml = hosts.guestXML(name: name, disk: try await hosts.makeDisk(name), network: network)
        xml = xml.replacingOccurrences(of: "<serial", with: """
            <hostdev mode='subsystem' type='pci' managed='yes'>
              <source><address domain='0x0000' bus='0x65' slot='0x00' function='0x0'/></source>
            </hostdev>
            <serial
            """)
        _ = try a.define(xml: xml)
        let snapshot = try await Run.command(["virsh", "-c", hosts.a, "snapshot-create-as", name, "before-move"])
        #expect(snapshot.status == 0, "\(snapshot.stderr)")
        let checked = try await Run.virtlab(["vm", "migrate", name, "--uri", hosts.a, "--to", hosts.b, "--check"])
        #expect(checked.status == 1)
        #expect(checked.stdout.contains("has 1 snapshot (before-move); libvirt moves no VM with snapshots"), "\(checked.stdout)")
        #expect(checked.stdout.contains("host devices attached (pci 0000:65:00.0)"), "\(checked.stdout)")
        #expect(checked.stdout.contains("network \(network) does not exist on \(hosts.b)"), "\(checked.stdout)")
        let moved = try await Run.virtlab(["vm", "migrate", name, "--uri", hosts.a, "--to", hosts.b])
        expectOneLineError(moved, mentioning: ["\(name) cannot move to \(hosts.b)", "detach them first", "define it there first"])
        #expect(try a.vm(named: name).uuid.isEmpty == false, "the refused VM stays")

        let same = try await Run.virtlab(["vm", "migrate", name, "--uri", hosts.a, "--to", hosts.a, "--check"])
        #expect(same.stdout.contains("is this same host"), "\(same.stdout)")
        let nowhere = "qemu:///system?socket=\(hosts.directory)/nowhere/libvirt-sock"
        let lost = try await Run.virtlab(["vm", "migrate", name, "--uri", hosts.a, "--to", nowhere])
        expectOneLineError(lost, mentioning: ["the destination \(nowhere) does not answer"])
        let demo = try await Run.virtlab(["vm", "migrate", name, "--uri", hosts.a, "--to", "test:///default", "--check"])
        #expect(demo.stdout.contains("runs TEST, this VM needs QEMU") || demo.stdout.contains("test driver cannot migrate"),
                "\(demo.stdout)")
    }

    // MARK: - Helpers

    /// A network (no DHCP, inside host a's own namespace) that host b does not have.
    private func networkOnlyOnA(_ hosts: TwoHosts) async throws -> String {
        let network = "vlmig-only-a"
        let xml = "<network><name>\(network)</name><bridge name='vlmigbr0'/><ip address='192.168.234.1' prefix='24'/></network>"
        let file = hosts.directory + "/net.xml"
        try xml.write(toFile: file, atomically: true, encoding: .utf8)
        let made = try await Run.command(["virsh", "-c", hosts.a, "net-create", file])
        #expect(made.status == 0, "\(made.stderr)")
        return network
    }

    /// A live move of a new guest held to 1 MiB/s (so it is still copying when the test acts), once libvirt has
    /// reported data copied.
    private func slowMoveUnderWay(_ name: String, from a: Hypervisor, to b: Hypervisor,
                                  hosts: TwoHosts) async throws -> Task<MigrationOutcome, Error> {
        let vm = try await start(name, on: a, hosts: hosts)
        let plan = a.migrationPlan(vm, to: b, mode: .live, bandwidthMiBPerSecond: 1, unsafe: true)
        #expect(plan.canGo, "\(plan.checks)")
        let seen = Progress()
        let move = Task { try await a.migrate(vm, to: b, as: plan, interval: .milliseconds(200)) { seen.add($0) } }
        let copying = await eventually(timeout: .seconds(120)) { seen.last?.dataProcessedBytes ?? 0 > 0 }
        #expect(copying, "libvirt reported no progress of the move")
        return move
    }

    /// The test guest booted on `host`, its disk on the shared storage, or with `localDataMiB` on host a's own
    /// images directory with that much data written in it.
    private func start(_ name: String, on host: Hypervisor, hosts: TwoHosts, localDataMiB: Int? = nil,
                       size: String = "64M") async throws -> VM {
        let disk = try await hosts.makeDisk(name, onlyOn: localDataMiB == nil ? nil : hosts.a, size: size)
        if let localDataMiB {
            let file = "\(hosts.directory)/a/lib/images/\(name).qcow2"
            let written = try await Run.command(["qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 0 \(localDataMiB)M", file])
            #expect(written.status == 0, "\(written.stderr)")
        }
        _ = try host.define(xml: hosts.guestXML(name: name, disk: disk))
        let vm = try host.vm(named: name)
        _ = try host.perform(MachineAction(StartVM()), on: vm)
        let up = await eventually(timeout: .seconds(180)) { hosts.serialLog(of: name).contains("virtlab-guest: up") }
        #expect(up, "the guest did not boot: \(hosts.serialLog(of: name).suffix(400))")
        return vm
    }

    private func uptime(of name: String, on uri: String) async throws -> Double {
        let said = try await GuestConsole.run("cut -d' ' -f1 /proc/uptime", in: try Connection(uri: uri).domain(named: name))
        return Double(said) ?? -1
    }
}

/// Progress callbacks arrive on another task; the test reads the last one.
private final class Progress: @unchecked Sendable {
    private let lock = NSLock()
    private var figures: [MigrationProgress] = []
    func add(_ one: MigrationProgress) { lock.withLock { figures.append(one) } }
    var last: MigrationProgress? { lock.withLock { figures.last } }
}

extension VM {
    func isRunning(on host: Hypervisor) throws -> Bool { try host.isRunning(self) }
}

/// The host check's rule on the facts two daemons report, for what these machines cannot run as a second host: a
/// destination of another hypervisor (LXC, Xen) and one with an older libvirt. (On two real QEMU daemons: the tests
/// above — the same host twice, a destination that does not answer.)
@Suite(.tags(.pure)) struct MigrationHostRuleTests {
    let qemu9 = HypervisorInfo(type: "QEMU", version: "7.2.22", libvirtVersion: "9.0.0")

    @Test func anotherHypervisorIsRefusedAndAnOlderLibvirtIsAWarning() {
        let lxc = Hypervisor.hostVerdict(here: qemu9, there: HypervisorInfo(type: "LXC", version: "5.15.0", libvirtVersion: "9.0.0"),
                                         destination: "lxc:///system", sameHostUUID: nil, testDriver: false)
        #expect(lxc.verdict == .blocker && lxc.said == "lxc:///system runs LXC, this VM needs QEMU: libvirt moves a VM only "
                + "between hosts of the same hypervisor")
        let older = Hypervisor.hostVerdict(here: qemu9, there: HypervisorInfo(type: "QEMU", version: "5.2.0", libvirtVersion: "7.0.0"),
                                           destination: "qemu+ssh://old/system", sameHostUUID: nil, testDriver: false)
        #expect(older.verdict == .warning && older.said == "qemu+ssh://old/system has libvirt 7.0.0, older than this host's 9.0.0: "
                + "it refuses what it does not know")
        // 9.10.0 is newer than 9.9.0: versions compare by number, not as text.
        let newer = Hypervisor.hostVerdict(here: HypervisorInfo(type: "QEMU", version: "8.0.0", libvirtVersion: "9.9.0"),
                                           there: HypervisorInfo(type: "QEMU", version: "8.2.0", libvirtVersion: "9.10.0"),
                                           destination: "qemu+ssh://b/system", sameHostUUID: nil, testDriver: false)
        #expect(newer.verdict == .ok)
        let same = Hypervisor.hostVerdict(here: qemu9, there: qemu9, destination: "qemu+ssh://a/system", sameHostUUID: "1234",
                                          testDriver: false)
        #expect(same.verdict == .blocker && same.said.contains("is this same host (host UUID 1234)"))
    }
}
