import Testing
import TestTags
import TestSupport
import VirtKit
@testable import Inventory
import Providers

func sample(_ name: String, state: MachineState = .running, cpu: UInt64, disk: UInt64 = 0, net: UInt64 = 0,
            connection: String = "qemu:///system") -> MachineSample {
    MachineSample(key: MachineKey(connection: connection, uuid: "uuid-\(name)"), name: name, state: state, vcpus: 2,
                  memoryKiB: 1024, maxMemoryKiB: 2048, cpuTimeNs: cpu, diskReadBytes: disk, diskWriteBytes: disk * 2,
                  netRxBytes: net, netTxBytes: net / 2)
}

func snapshot(at time: Double, cpus: Int = 4, hostBusy: UInt64 = 0, hostIdle: UInt64 = 0,
              _ machines: [MachineSample]) -> InventorySnapshot {
    InventorySnapshot(connection: "qemu:///system",
                      hypervisor: HypervisorSample(type: "QEMU", version: "7.2.22"),
                      time: time,
                      host: HostSample(hostname: "lab", cpus: cpus, memoryKiB: 8 << 20, availableMemoryKiB: 4 << 20,
                                       cpuTimes: HostCPUCounters(busy: hostBusy, total: hostBusy + hostIdle)),
                      machines: machines, images: [])
}

@Suite(.tags(.pure)) struct RatesTests {
    @Test func cpuPercentOfOneCoreAndOfTheHost() throws {
        let old = snapshot(at: 10, [sample("a", cpu: 1_000_000_000)])
        let new = snapshot(at: 12, [sample("a", cpu: 3_000_000_000)])
        let rate = try #require(Rates.between(old, new)[MachineKey(connection: "qemu:///system", uuid: "uuid-a")])
        #expect(rate.cpuPercentOfOneCore == 100)  // 2 s of CPU in 2 s: one core busy
        #expect(rate.cpuPercentOfHost == 25)      // of four cores
    }

    @Test func ioRatesPerSecond() throws {
        let old = snapshot(at: 0, [sample("a", cpu: 0, disk: 1000, net: 4000)])
        let new = snapshot(at: 4, [sample("a", cpu: 0, disk: 5000, net: 8000)])
        let rate = try #require(Rates.between(old, new).values.first)
        #expect(rate.diskReadPerSecond == 1000 && rate.diskWritePerSecond == 2000)
        #expect(rate.netRxPerSecond == 1000 && rate.netTxPerSecond == 500)
    }

    @Test func restartedCountersAndStoppedMachinesGiveNoNonsense() {
        let old = snapshot(at: 0, [sample("a", cpu: 9_000_000_000), sample("b", cpu: 5)])
        let new = snapshot(at: 2, [sample("a", cpu: 1_000_000), sample("b", state: .shutOff, cpu: 0), sample("c", cpu: 1)])
        let rates = Rates.between(old, new)
        #expect(rates[MachineKey(connection: "qemu:///system", uuid: "uuid-a")]?.cpuPercentOfOneCore == 0)
        #expect(rates[MachineKey(connection: "qemu:///system", uuid: "uuid-b")] == nil)
        #expect(rates[MachineKey(connection: "qemu:///system", uuid: "uuid-c")] == nil)  // new: no previous sample
        #expect(Rates.between(new, new).isEmpty)  // no time passed
    }

    /// Rates match machines by position when the order holds, and by key when a machine came or went.
    @Test func ratesFollowTheMachineWhenTheOrderChanges() throws {
        let old = snapshot(at: 0, [sample("a", cpu: 0), sample("b", cpu: 0), sample("c", cpu: 0)])
        let new = snapshot(at: 1, [sample("c", cpu: 300_000_000), sample("new", cpu: 5), sample("a", cpu: 100_000_000)])
        let rates = Rates.between(old, new)
        #expect(rates[MachineKey(connection: "qemu:///system", uuid: "uuid-a")]?.cpuPercentOfOneCore == 10)
        #expect(rates[MachineKey(connection: "qemu:///system", uuid: "uuid-c")]?.cpuPercentOfOneCore == 30)
        #expect(rates[MachineKey(connection: "qemu:///system", uuid: "uuid-new")] == nil)
        #expect(rates.count == 2)
    }

    @Test func hostCPUFromNodeTimes() {
        let old = snapshot(at: 0, hostBusy: 100, hostIdle: 300, [])
        let new = snapshot(at: 1, hostBusy: 200, hostIdle: 600, [])
        #expect(Rates.hostCPUPercent(old, new) == 25)
        #expect(Rates.hostCPUPercent(new, old) == nil)
    }

    @Test func sameNameOnTwoHostsIsTwoMachines() {
        let a = MachineKey(connection: "qemu+ssh://lab1/system", uuid: "u"), b = MachineKey(connection: "qemu+ssh://lab2/system", uuid: "u")
        #expect(a != b)
    }
}

@Suite(.tags(.pure)) struct LibvirtProviderTests {
    @Test func snapshotOfAFixtureHypervisor() throws {
        let fixture = try TestDriverFixture(vms: [.init(name: "one", memoryMiB: 256, vcpus: 2), .init(name: "two", running: false)])
        let inventory = try LibvirtProvider(connection: try Connection(uri: fixture.uri))
        let snap = try inventory.snapshot()
        #expect(snap.connection == fixture.uri)
        #expect(Set(snap.machines.map(\.name)) == ["one", "two"])
        let one = try #require(snap.machines.first { $0.name == "one" })
        #expect(one.key.connection == fixture.uri && one.vcpus == 2 && one.maxMemoryKiB == 256 * 1024)
        #expect(snap.images.map(\.name) == ["base.qcow2"] && snap.images.first?.pool == "labpool")
        #expect(snap.host.cpus > 0)
    }

    /// The test driver's bulk stats lack vCPUs, memory and CPU time; a refresh asks only for the machines on
    /// screen, and the others keep what was last read, marked unmeasured, so no rate is made from them.
    @Test func onlyTheMachinesAskedForAreReadOneByOne() throws {
        let fixture = try TestDriverFixture(vms: [.init(name: "one", memoryMiB: 256, vcpus: 2),
                                                  .init(name: "two", memoryMiB: 512, vcpus: 4)])
        let inventory = try LibvirtProvider(connection: try Connection(uri: fixture.uri))
        let all = try inventory.snapshot()
        let one = try #require(all.machines.first { $0.name == "one" }), two = try #require(all.machines.first { $0.name == "two" })
        #expect(all.machines.allSatisfy { $0.countersMeasured })
        let some = try inventory.snapshot(completing: [one.key.uuid])
        let oneAgain = try #require(some.machines.first { $0.name == "one" })
        let twoAgain = try #require(some.machines.first { $0.name == "two" })
        #expect(oneAgain.countersMeasured && oneAgain.vcpus == 2 && oneAgain.cpuTimeNs >= one.cpuTimeNs)
        #expect(!twoAgain.countersMeasured && twoAgain.vcpus == 4 && twoAgain.maxMemoryKiB == 512 * 1024
                && twoAgain.cpuTimeNs == two.cpuTimeNs, "carried over from the last reading")
        let rates = Rates.between(all, some)
        #expect(rates[one.key] != nil && rates[two.key] == nil)
    }
}

/// The provider's mapping keeps virsh's words: what the dashboard shows matches `virsh domstate`.
@Suite(.tags(.pure)) struct ProviderMappingTests {
    @Test func everyLibvirtStateMapsToItsNamesakeWithTheSameActivity() {
        for state in DomainState.allCases {
            #expect("\(MachineState(libvirtState: state.rawValue))" == "\(state)")
            #expect(MachineState(libvirtState: state.rawValue).isActive == state.isActive)
        }
        #expect(MachineState(libvirtState: 99) == .noState, "a state libvirt may add later")
    }

    @Test func labelsMatchVirsh() {
        #expect(MachineState.shutOff.label == "shut off")
        #expect(MachineState.shuttingDown.label == "in shutdown")
        #expect(MachineState.pmSuspended.label == "pmsuspended")
    }

    @Test func lifecycleEventsImplyTheStateLibvirtWillReport() {
        let event = { (kind: DomainEvent.Kind) in
            MachineEvent(DomainEvent(domainName: "a", domainUUID: "u", kind: kind, detail: 0), uri: "qemu:///system")
        }
        #expect(event(.started).impliedState == .running && event(.resumed).impliedState == .running)
        #expect(event(.suspended).impliedState == .paused && event(.stopped).impliedState == .shutOff)
        #expect(event(.shutdown).impliedState == nil)  // a request: the guest has not stopped yet
        #expect(event(.crashed).key == MachineKey(connection: "qemu:///system", uuid: "u"))
    }
}

