import Testing
import TestTags
@testable import VirtKit

@Suite(.tags(.pure)) struct DomainDetailsParsingTests {
    let xml = """
        <domain type='kvm' id='7'>
          <name>lab-vm</name>
          <uuid>0f8fad5b-d9cb-469f-a165-70867728950e</uuid>
          <memory unit='GiB'>2</memory>
          <currentMemory unit='MiB'>1536</currentMemory>
          <vcpu placement='static' current='2'>4</vcpu>
          <os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>
          <devices>
            <disk type='file' device='disk'>
              <driver name='qemu' type='qcow2'/><source file='/images/lab-vm.qcow2'/><target dev='vda' bus='virtio'/>
            </disk>
            <disk type='file' device='cdrom'>
              <driver name='qemu' type='raw'/><source file='/images/seed.iso'/><target dev='sda' bus='sata'/><readonly/>
            </disk>
            <disk type='volume' device='disk'>
              <source pool='default' volume='data.raw'/><target dev='vdb' bus='virtio'/>
            </disk>
            <interface type='bridge'><mac address='52:54:00:AB:CD:EF'/><source bridge='br0'/><model type='e1000'/></interface>
            <interface type='user'><mac address='52:54:00:00:00:02'/></interface>
          </devices>
        </domain>
        """

    @Test func readsIdentityResourcesAndDevices() throws {
        let details = try DomainDetails(xml: xml, info: nil)
        #expect(details.name == "lab-vm")
        #expect(details.id == 7)
        #expect(details.hypervisorType == "kvm")
        #expect(details.arch == "x86_64")
        #expect(details.maxMemoryKiB == 2 * 1024 * 1024)
        #expect(details.currentMemoryKiB == 1536 * 1024)
        #expect(details.vcpus == 2)
        #expect(details.disks.map(\.target) == ["vda", "sda", "vdb"])
        #expect(details.disks[1].readOnly && details.disks[1].device == "cdrom")
        #expect(details.disks[2].source == "default/data.raw")
        #expect(details.nics[0].mac == "52:54:00:ab:cd:ef")
        #expect(details.nics[0].type == "bridge" && details.nics[0].source == "br0")
        #expect(details.nics[1].type == "user" && details.nics[1].source == nil)
    }

    @Test func refusesWhatIsNotDomainXML() {
        #expect(throws: LibvirtError.self) { try DomainDetails(xml: "<network/>", info: nil) }
        #expect(throws: LibvirtError.self) { try DomainDetails(xml: "not xml at all <", info: nil) }
    }

    @Test func escapesNamesForXML() {
        #expect(xmlEscaped("a<b>&'\"") == "a&lt;b&gt;&amp;&apos;&quot;")
    }
}

@Suite(.tags(.pure)) struct DomainStateTests {
    @Test func unknownValuesAreNoState() {
        #expect(DomainState(libvirt: 99) == .noState)
    }

    @Test func reasonsAreReadablePerState() {
        #expect(DomainState.running.reason(1) == "booted")
        #expect(DomainState.paused.reason(1) == "user")
        #expect(DomainState.shutOff.reason(2) == "destroyed")
        #expect(DomainState.shutOff.reason(42) == "unknown")
        #expect(DomainState.crashed.reason(-3) == "unknown")
    }
}

@Suite(.tags(.pure)) struct ConnectionChoiceTests {
    @Test func flagWinsOverEverything() {
        let choice = ConnectionChoice.resolve(flag: "qemu+ssh://lab/system", environment: ["LIBVIRT_DEFAULT_URI": "x"],
                                              probe: { _ in true })
        #expect(choice == ConnectionChoice(uri: "qemu+ssh://lab/system", source: .flag))
    }

    @Test func environmentBeforeProbing() {
        let choice = ConnectionChoice.resolve(flag: nil, environment: ["LIBVIRT_DEFAULT_URI": "qemu:///session"],
                                              probe: { _ in Issue.record("must not probe"); return true })
        #expect(choice.uri == "qemu:///session" && choice.source == .environment)
    }

    @Test func systemDaemonWhenItAnswers() {
        let choice = ConnectionChoice.resolve(flag: nil, environment: [:], probe: { $0 == "qemu:///system" })
        #expect(choice.uri == "qemu:///system" && !choice.isDemo && choice.demoNote == nil)
    }

    @Test func demoHypervisorOtherwiseAndItSaysSo() {
        let choice = ConnectionChoice.resolve(flag: nil, environment: [:], probe: { _ in false })
        #expect(choice.uri == "test:///default" && choice.isDemo)
        #expect(choice.demoNote?.contains("demo hypervisor") == true)
    }
}

/// The bulk refresh's UUID cache: a name where the last refresh had it is not looked up, a moved name is, a new
/// one is read from libvirt once, and a define/undefine event makes every name be read again.
@Suite(.tags(.pure)) struct UUIDCacheTests {
    private func refresh(_ cache: UUIDCache, _ names: [String], reads: inout [String]) -> [String] {
        let taken = cache.takeForRefresh(rounds: 100)
        var map = taken.map
        let uuids = names.enumerated().map { position, name in
            map.uuid(at: position, name: name) {
                reads.append(name)
                return "uuid-of-\(name)"
            }
        }
        cache.put(back: map, generation: taken.generation)
        return uuids
    }

    @Test func movedAndNewNamesKeepTheirOwnUUIDs() {
        let cache = UUIDCache()
        var reads: [String] = []
        #expect(refresh(cache, ["a", "b", "c"], reads: &reads) == ["uuid-of-a", "uuid-of-b", "uuid-of-c"])
        #expect(refresh(cache, ["c", "new", "a", "b"], reads: &reads) == ["uuid-of-c", "uuid-of-new", "uuid-of-a", "uuid-of-b"])
        #expect(reads == ["a", "b", "c", "new"], "each name read from libvirt once")
        cache.invalidate()
        reads = []
        _ = refresh(cache, ["c", "new", "a", "b"], reads: &reads)
        #expect(reads == ["c", "new", "a", "b"], "after an event every name is read again")
    }

    @Test func aRefreshAcrossAnEventDoesNotPutItsOldMapBack() {
        let cache = UUIDCache()
        var reads: [String] = []
        let taken = cache.takeForRefresh(rounds: 100)
        var map = taken.map
        _ = map.uuid(at: 0, name: "a") { "old-uuid" }
        cache.invalidate()
        cache.put(back: map, generation: taken.generation)
        #expect(refresh(cache, ["a"], reads: &reads) == ["uuid-of-a"] && reads == ["a"])
    }
}
