import Foundation
import Testing
import TestTags
import TestSupport
@testable import VirtKit

/// VirtKit against libvirt's built-in test driver, each test on a private fixture hypervisor.
@Suite(.tags(.pure)) struct TestDriverTests {
    let fixture: TestDriverFixture
    let connection: Connection

    init() throws {
        fixture = try TestDriverFixture(vms: [
            .init(name: "web1", uuid: "11111111-2222-3333-4444-555555555555", memoryMiB: 1024,
                  currentMemoryMiB: 768, vcpus: 2, running: true, mac: "52:54:00:aa:00:01"),
            .init(name: "db1", memoryMiB: 2048, vcpus: 4, running: false),
        ])
        connection = try Connection(uri: fixture.uri)
    }

    @Test func listsActiveAndInactiveDomains() throws {
        let names = try connection.domains().map(\.name).sorted()
        #expect(names == ["db1", "web1"])
        #expect(try connection.domain(named: "web1").info().state == .running)
        #expect(try connection.domain(named: "db1").info().state == .shutOff)
        #expect(try connection.domain(named: "db1").id == nil)
    }

    @Test func detailsComeFromTheDefinition() throws {
        let details = try connection.domain(named: "web1").details()
        #expect(details.uuid == "11111111-2222-3333-4444-555555555555")
        #expect(details.maxMemoryKiB == 1024 * 1024)
        #expect(details.vcpus == 2)
        #expect(details.osType == "hvm")
        #expect(details.persistent)
        #expect(details.disks == [DomainDetails.Disk(device: "disk", target: "vda", bus: "virtio",
                                                     source: "/var/lib/virtlab-test/web1.qcow2", format: "qcow2",
                                                     readOnly: false)])
        #expect(details.nics.map(\.mac) == ["52:54:00:aa:00:01"])
        #expect(details.nics.first?.source == "labnet")
        #expect(details.nics.first?.model == "virtio")
    }

    @Test func bulkStatsCoverEveryDomainInOneCall() throws {
        let stats = try connection.allDomainStats()
        #expect(Set(stats.map(\.name)) == ["web1", "db1"])
        let web = try #require(stats.first { $0.name == "web1" })
        #expect(web.state == .running)
        #expect(web.uuid == "11111111-2222-3333-4444-555555555555")
        #expect(web.vcpuCurrent == 2)
        #expect(web.balloonMaximumKiB == 1024 * 1024)
        #expect(web.cpuTimeNs > 0)
        #expect(stats.first { $0.name == "db1" }?.state == .shutOff)
    }

    /// The bulk refresh keeps each name's UUID (libvirt formats it on every per-domain call); a VM defined anew
    /// under the same name gets its new UUID at the next refresh, through the lifecycle event.
    @Test func aVMRedefinedUnderItsNameShowsItsNewUUID() async throws {
        let events = try connection.lifecycleEvents()
        let before = try #require(try connection.allDomainStats().first { $0.name == "db1" }?.uuid)
        _ = try connection.domain(named: "db1").undefine()
        let renewed = TestDriverFixture.VM(name: "db1", uuid: "99999999-8888-7777-6666-555555555555", running: false)
        let xml = TestDriverFixture.domainXML(renewed).replacingOccurrences(of: "<test:runstate>5</test:runstate>", with: "")
        try connection.define(xml: xml)
        for await event in events where event.domainName == "db1" && event.kind == .defined { break }
        let after = try connection.allDomainStats().first { $0.name == "db1" }?.uuid
        #expect(before != after && after == "99999999-8888-7777-6666-555555555555")
    }

    @Test func lifecycleChangesStateAndEmitsEvents() async throws {
        let events = try connection.lifecycleEvents()
        let domain = try connection.domain(named: "db1")
        try domain.start()
        #expect(try domain.info().state == .running)
        try domain.suspend()
        #expect(try domain.info().state == .paused)
        try domain.resume()
        #expect(try domain.info().state == .running)
        try domain.reboot()
        try domain.forceOff()
        #expect(try domain.info().state == .shutOff)

        var kinds: [DomainEvent.Kind] = []
        for await event in events where event.domainName == "db1" {
            kinds.append(event.kind)
            if event.kind == .stopped { break }
        }
        #expect(kinds.starts(with: [.started, .suspended, .resumed]))
        #expect(kinds.last == .stopped)
    }

    @Test func autostartRoundTrips() throws {
        let domain = try connection.domain(named: "web1")
        try domain.setAutostart(true)
        #expect(try domain.autostart())
        try domain.setAutostart(false)
        #expect(try !domain.autostart())
    }

    @Test func snapshotsCreateListRevertDelete() throws {
        let domain = try connection.domain(named: "web1")
        try domain.createSnapshot(name: "clean", description: "before the lab")
        try domain.createSnapshot(name: "after <step 1>")
        let snapshots = try domain.snapshots()
        #expect(snapshots.map(\.name) == ["clean", "after <step 1>"])
        #expect(snapshots.first?.description == "before the lab")
        #expect(snapshots.last?.isCurrent == true)
        try domain.revert(toSnapshot: "clean")
        #expect(try domain.snapshots().first { $0.isCurrent }?.name == "clean")
        try domain.deleteSnapshot(named: "after <step 1>")
        #expect(try domain.snapshots().map(\.name) == ["clean"])
        #expect(throws: LibvirtError.self) { try domain.revert(toSnapshot: "nope") }
    }

    @Test func defineDumpAndUndefine() throws {
        let xml = TestDriverFixture.domainXML(.init(name: "fresh", running: false))
            .replacingOccurrences(of: "<test:runstate>5</test:runstate>", with: "")
        let domain = try connection.define(xml: xml)
        #expect(try domain.xml().contains("<name>fresh</name>"))
        #expect(try connection.domains().contains { $0.name == "fresh" })
        try domain.undefine()
        #expect(try !connection.domains().contains { $0.name == "fresh" })
    }

    @Test func storagePoolsAndVolumes() throws {
        let pool = try #require(try connection.storagePools().first { $0.name == "labpool" })
        #expect(pool.active)
        #expect(pool.path == "/var/lib/virtlab-test/pool")
        #expect(pool.capacityBytes == 100 << 30)
        let volumes = try connection.volumes(inPool: "labpool")
        #expect(volumes.map(\.name) == ["base.qcow2"])
        #expect(volumes.first?.capacityBytes == 10 << 30)
    }

    @Test func networksWithDHCP() throws {
        let net = try #require(try connection.networks().first { $0.name == "labnet" })
        #expect(net.active)
        #expect(net.bridge == "virbr9")
        #expect(net.forwardMode == "nat")
        #expect(net.dhcpRanges == [.init(start: "192.168.150.2", end: "192.168.150.254")])
    }

    @Test func hostAndHypervisorFacts() throws {
        #expect(try connection.hypervisor().type == "TEST")
        let host = try connection.host()
        #expect(host.cpus > 0)
        #expect(host.memoryKiB > 0)
        #expect(connection.isTestDriver)
    }

    @Test func unknownDomainIsATypedError() throws {
        let error = try #require(throws: LibvirtError.self) { try connection.domain(named: "ghost") }
        #expect(error.kind == .noSuchDomain)
        #expect(error.operation == "find domain 'ghost'")
    }

    @Test func readOnlyConnectionRefusesChanges() throws {
        let readOnly = try Connection(uri: fixture.uri, readOnly: true)
        let domain = try readOnly.domain(named: "web1")
        let error = try #require(throws: LibvirtError.self) { try domain.forceOff() }
        #expect(error.kind == .denied)
    }

    @Test func closedConnectionThrowsInsteadOfCrashing() throws {
        let conn = try Connection(uri: fixture.uri)
        conn.close()
        conn.close()
        #expect(throws: LibvirtError.self) { try conn.domains() }
        #expect(!conn.isAlive)
    }

    @Test func unknownURIIsACannotConnectError() {
        let error = #expect(throws: LibvirtError.self) { try Connection(uri: "nosuchdriver:///x") }
        #expect(error?.kind == .cannotConnect)
    }

    @Test func invalidXMLIsRefusedWithLibvirtsReason() {
        let error = #expect(throws: LibvirtError.self) { try connection.define(xml: "<domain type='test'>") }
        #expect(error?.message.isEmpty == false)
    }
}
