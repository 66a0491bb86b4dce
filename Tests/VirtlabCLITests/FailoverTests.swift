import Foundation
import Inventory
import Services
import Testing
import TestSupport
import TestTags
import VirtKit

/// When the failover watch acts, on a clock the test drives.
@Suite(.tags(.pure)) struct FailoverWatchTests {
    @Test func aHomeIsRecoveredOnlyAfterItHasBeenLostForTheChosenTime() {
        var watch = FailoverWatch(after: 30)
        #expect(watch.observe(home: "a", answers: true, at: 0) == .fine)
        #expect(watch.observe(home: "a", answers: false, at: 5) == .waiting(lostFor: 0))
        #expect(watch.observe(home: "a", answers: false, at: 34) == .waiting(lostFor: 29))
        #expect(watch.observe(home: "a", answers: true, at: 35) == .back, "it came back in time: the count starts over")
        #expect(watch.observe(home: "a", answers: false, at: 40) == .waiting(lostFor: 0))
        #expect(watch.observe(home: "a", answers: false, at: 70) == .recover)
        #expect(watch.observe(home: "a", answers: false, at: 75) == .recover, "a refused recovery is tried again")
        #expect(watch.observe(home: "b", answers: false, at: 75) == .waiting(lostFor: 0), "each home counts on its own")
    }
}

/// Failover on two real libvirt hosts (`.ci/two-hosts`, with lockd and a lock space on their shared storage).
@Suite(.serialized, .tags(.guest)) struct FailoverTests {
    /// Protected, refused while its home answers and while its disk is still held (the daemon lost, the guest
    /// running on), then started on the standby by the watch once its host is dead.
    @Test func aProtectedVMComesBackOnTheStandbyAndNeverWhileItsDiskIsHeld() async throws {
        let hosts = try await TwoHosts.up()
        do {
            try await protectRecoverAndRefuse(hosts)
        } catch {
            await hosts.down()
            throw error
        }
        await hosts.down()
    }

    private func protectRecoverAndRefuse(_ hosts: TwoHosts) async throws {
        let (a, b) = (try Hypervisor(uri: hosts.a, readOnly: false), try Hypervisor(uri: hosts.b, readOnly: false))
        for uri in [hosts.a, hosts.b] {
            _ = try await Run.command(["virsh", "-c", uri, "pool-define-as", "shared", "dir", "--target", hosts.shared])
            _ = try await Run.command(["virsh", "-c", uri, "pool-start", "shared"])
        }
        let name = "vlfail-web"
        _ = try a.define(xml: hosts.guestXML(name: name, disk: try await hosts.makeDisk(name)))
        let vm = try a.vm(named: name)
        _ = try a.perform(MachineAction(StartVM()), on: vm)

        // A disk the standby cannot see is refused before anything changes.
        let local = "vlfail-local"
        _ = try a.define(xml: hosts.guestXML(name: local, disk: try await hosts.makeDisk(local, onlyOn: hosts.a)))
        let unseen = try await Run.virtlab(["vm", "protect", local, "--uri", hosts.a, "--standby", hosts.b])
        expectOneLineError(unseen, mentioning: ["\(hosts.b) does not see /var/lib/libvirt/images/\(local).qcow2",
                                                "failover needs the disks on storage both hosts share"])
        #expect((try? b.vm(named: local)) == nil)
        #expect(a.protection(of: try a.vm(named: local)) == nil)

        let protected = try await Run.virtlab(["vm", "protect", name, "--uri", hosts.a, "--standby", hosts.b])
        #expect(protected.status == 0 && protected.stdout.hasPrefix("protected \(name)"), "\(protected.stderr)")
        let copy = try b.vm(named: name)
        #expect(copy.uuid == vm.uuid)
        #expect(try b.isRunning(copy) == false)
        #expect(try b.protectedVMs().map(\.name) == [name])
        #expect(try b.protectedVMs().first?.mark == ProtectionMark(home: hosts.a, standby: hosts.b))

        let notLost = try await Run.virtlab(["vm", "recover", name, "--uri", hosts.b])
        expectOneLineError(notLost, mentioning: ["\(name) runs on \(hosts.a): its host is not lost"])

        // The daemon is lost, the guest runs on and holds its disk: refused, nothing started.
        await hosts.stopDaemon(of: hosts.a)
        let held = try await Run.virtlab(["vm", "recover", name, "--uri", hosts.b])
        expectOneLineError(held, mentioning: ["refused to start \(name) on \(hosts.b): its disks are still held by another QEMU",
                                              "nothing was started"])
        #expect(try b.isRunning(copy) == false)
        let refusedWatch = try await Run.virtlab(["failover", "watch", "--uri", hosts.b, "--after", "0", "--once"])
        #expect(refusedWatch.status == 0 && refusedWatch.stdout.contains("refused to start \(name)"), "\(refusedWatch.stdout)")

        // The host dies (guest, daemon and lock daemon): the watch starts the copy on the standby.
        await hosts.kill(hosts.a)
        let watched = try await Run.virtlab(["failover", "watch", "--uri", hosts.b, "--after", "0", "--once"])
        #expect(watched.status == 0, "\(watched.stderr)")
        #expect(watched.stdout.contains("started \(name) on \(hosts.b): its home \(hosts.a) is lost"), "\(watched.stdout)")
        #expect(try b.isRunning(copy))
        #expect(try b.protection(of: b.vm(named: name)) == ProtectionMark(home: hosts.b, standby: hosts.a))
        let booted = await eventually(timeout: .seconds(180)) { hosts.serialLog(of: name).components(separatedBy: "virtlab-guest: up").count == 3 }
        #expect(booted, "the recovered guest did not boot on the standby: \(hosts.serialLog(of: name).suffix(300))")
    }
}
