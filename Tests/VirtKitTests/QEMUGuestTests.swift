import Foundation
import Testing
import TestTags
import TestSupport
@testable import VirtKit

/// VirtKit against the real libvirtd with the QEMU driver, booting a real Debian kernel under TCG.
/// `make test` starts the daemon and builds the guest; without them these tests fail loudly, never skip.
@Suite(.serialized, .tags(.guest)) struct QEMUGuestTests {
    @Test func realGuestBootsAndReportsStatsDetailsAndLifecycle() async throws {
        let connection = try QEMUTestGuest.connect()
        let name = QEMUTestGuest.uniqueName("life")
        let uuid = UUID().uuidString.lowercased()
        let mac = "52:54:00:5e:00:0a"
        defer { QEMUTestGuest.cleanUp(connection, name: name) }
        let disk = try QEMUTestGuest.makeDisk(name: name)
        let domain = try connection.define(xml: QEMUTestGuest.domainXML(name: name, uuid: uuid, mac: mac, diskPath: disk))

        let events = try connection.lifecycleEvents()
        try domain.start()

        // The guest's own kernel prints its DMI UUID on the serial console: it is the libvirt domain UUID.
        let serial = QEMUTestGuest.serialLogPath(for: name)
        // Wait for the line itself: "up" is printed a moment before it.
        let reported = await eventually(timeout: .seconds(120)) {
            (try? String(contentsOfFile: serial, encoding: .utf8))?.contains("virtlab-guest: product_uuid=") == true
        }
        #expect(reported, "the guest did not reach userspace; serial log: \(serial)")
        let log = (try? String(contentsOfFile: serial, encoding: .utf8)) ?? ""
        #expect(log.contains("product_uuid=\(uuid)"), "serial log: \(log)")

        // Details: identity, the NIC's MAC, the qcow2 disk.
        let details = try domain.details()
        #expect(details.uuid == uuid)
        #expect(details.hypervisorType == "qemu")
        #expect(details.state == .running)
        #expect(details.id != nil)
        #expect(details.nics.map(\.mac) == [mac])
        #expect(details.nics.first?.type == "user")
        #expect(details.disks.first?.format == "qcow2" && details.disks.first?.source == disk)

        // Stats: one bulk call; CPU time grows between two samples of a running guest.
        let first = try #require(try connection.allDomainStats().first { $0.name == name })
        try await Task.sleep(for: .seconds(1))
        let second = try #require(try connection.allDomainStats().first { $0.name == name })
        #expect(first.state == .running)
        #expect(second.cpuTimeNs > first.cpuTimeNs)
        #expect(second.vcpuCurrent == 1)
        #expect(second.balloonMaximumKiB == 192 * 1024)
        #expect(second.disks.first?.name == "vda")
        #expect(second.disks.first?.capacityBytes == 16 << 20)

        // Lifecycle, with libvirt's events arriving for each step.
        try domain.suspend()
        #expect(try domain.info().state == .paused)
        try domain.resume()
        #expect(try domain.info().state == .running)
        try domain.forceOff()
        #expect(try domain.info().state == .shutOff)
        #expect(try domain.info().reasonLabel == "destroyed")

        var kinds: [DomainEvent.Kind] = []
        for await event in events where event.domainUUID == uuid {
            kinds.append(event.kind)
            if event.kind == .stopped { break }
        }
        // QEMU adds its own (a "resumed" as the CPUs start, a "shutdown" before "stopped"); ours come in order.
        #expect(kinds.containsInOrder([.started, .suspended, .resumed, .stopped]), "events: \(kinds)")
    }

    @Test func invalidActionsAreRefusedAndChangeNothing() throws {
        let connection = try QEMUTestGuest.connect()
        let name = QEMUTestGuest.uniqueName("refuse")
        defer { QEMUTestGuest.cleanUp(connection, name: name) }
        let domain = try connection.define(xml: QEMUTestGuest.domainXML(name: name))
        let resumeError = try #require(throws: LibvirtError.self) { try domain.resume() }
        #expect(resumeError.kind == .invalidInCurrentState)
        #expect(try domain.info().state == .shutOff)

        let readOnly = try Connection(uri: QEMUTestGuest.uri, readOnly: true)
        let denied = try #require(throws: LibvirtError.self) { try readOnly.domain(named: name).start() }
        #expect(denied.kind == .denied)
        #expect(try domain.info().state == .shutOff)
    }

    @Test func snapshotsOfAShutOffQcow2Guest() async throws {
        let connection = try QEMUTestGuest.connect()
        let name = QEMUTestGuest.uniqueName("snap")
        defer { QEMUTestGuest.cleanUp(connection, name: name) }
        let disk = try QEMUTestGuest.makeDisk(name: name)
        let domain = try connection.define(xml: QEMUTestGuest.domainXML(name: name, diskPath: disk))
        try domain.createSnapshot(name: "pristine", description: "as defined")
        try domain.createSnapshot(name: "second")
        #expect(try domain.snapshots().map(\.name) == ["pristine", "second"])
        #expect(try domain.snapshots().first?.state == "shutoff")
        try domain.revert(toSnapshot: "pristine")
        #expect(try domain.snapshots().first { $0.isCurrent }?.name == "pristine")
        try domain.deleteSnapshot(named: "second")
        try domain.deleteSnapshot(named: "pristine")
        #expect(try domain.snapshots().isEmpty)
        // qemu-img agrees: the internal snapshots are gone from the qcow2 file itself.
        let info = try await Run.command(["qemu-img", "snapshot", "-l", "-U", disk])
        #expect(!info.stdout.contains("pristine"))
    }

    @Test func hostFactsFromTheRealDaemon() throws {
        let connection = try QEMUTestGuest.connect()
        #expect(try connection.hypervisor().type == "QEMU")
        let host = try connection.host()
        #expect(host.cpus == ProcessInfo.processInfo.processorCount)
        #expect(host.memoryKiB > 0 && host.freeMemoryKiB <= host.memoryKiB)
        #expect(connection.hostCPUTimes().map { $0.total > 0 } == true)
        #expect(try connection.guestDomainTypes().contains("qemu"))
        #expect(connection.isAlive)
    }
}

extension Array where Element: Equatable {
    /// Whether `expected` appears in this array in order, possibly with other elements between.
    func containsInOrder(_ expected: [Element]) -> Bool {
        var remaining = expected[...]
        for element in self where element == remaining.first { remaining = remaining.dropFirst() }
        return remaining.isEmpty
    }
}
