import Foundation
import Inventory
import Testing
import TermUI
@testable import App

/// A deterministic dashboard: three VMs on a fake host, two samples apart so rates exist.
enum DashboardFixture {
    static let uri = "qemu:///system"

    static func machine(_ name: String, uuid: String, _ state: MachineState, cpu: UInt64, memoryMiB: UInt64,
                        disk: UInt64 = 0, net: UInt64 = 0) -> MachineSample {
        MachineSample(key: MachineKey(connection: uri, uuid: uuid), name: name, state: state, vcpus: 2,
                      memoryKiB: memoryMiB * 1024 / 2, maxMemoryKiB: memoryMiB * 1024, cpuTimeNs: cpu,
                      diskReadBytes: disk, diskWriteBytes: disk / 2, netRxBytes: net, netTxBytes: net / 4)
    }

    static func snapshot(at time: Double, scale: UInt64) -> InventorySnapshot {
        InventorySnapshot(
            connection: uri, hypervisor: HypervisorSample(type: "QEMU", version: "7.2.22"),
            time: time,
            host: HostSample(hostname: "labhost", cpus: 4, memoryKiB: 16 << 20, availableMemoryKiB: 12 << 20,
                             cpuTimes: HostCPUCounters(busy: 40 * scale, total: 200 * scale)),
            machines: [
                machine("web1", uuid: web1, .running, cpu: 2_000_000_000 * scale, memoryMiB: 1024,
                        disk: 1_048_576 * scale, net: 65_536 * scale),
                machine("db1", uuid: db1, .paused, cpu: 500_000_000 * scale, memoryMiB: 2048),
                machine("build", uuid: build, .shutOff, cpu: 0, memoryMiB: 4096),
            ],
            images: [ImageSample(pool: "default", name: "debian-12.qcow2", path: "/var/lib/libvirt/images/debian-12.qcow2",
                                 format: "qcow2", capacityBytes: 2 << 30, allocationBytes: 300 << 20, backingStore: nil)],
            networks: [
                NetworkSample(name: "default", uuid: "dddddddd-0000-0000-0000-000000000001", state: .active, autostart: true,
                              mode: "nat", bridge: "virbr0", subnet: "192.168.122.0/24",
                              dhcpRange: "192.168.122.2-192.168.122.254",
                              leases: [.init(mac: "52:54:00:00:00:01", address: "192.168.122.17", hostname: "web1")],
                              machines: ["web1"]),
                NetworkSample(name: "hostonly", uuid: "dddddddd-0000-0000-0000-000000000002", state: .inactive,
                              autostart: false, mode: "isolated", bridge: nil, subnet: "10.77.0.0/24", dhcpRange: nil),
            ])
    }

    static let web1 = "11111111-1111-1111-1111-111111111111"
    static let db1 = "22222222-2222-2222-2222-222222222222"
    static let build = "33333333-3333-3333-3333-333333333333"
    static func key(_ uuid: String) -> MachineKey { MachineKey(connection: uri, uuid: uuid) }

    /// A state that has seen two refreshes 2 s apart.
    static func state(readOnly: Bool = false, demo: Bool = false) -> AppState {
        var state = AppState(uri: uri, isDemo: demo, readOnly: readOnly)
        _ = update(&state, .tick(now: 100))
        _ = update(&state, .reconnected(connection: uri))
        _ = update(&state, .snapshot(snapshot(at: 10, scale: 1)))
        _ = update(&state, .snapshot(snapshot(at: 12, scale: 2)))
        _ = update(&state, .tick(now: 200))  // the "connected" status has expired
        return state
    }

    static let engineURI = "unix:///run/podman/podman.sock"

    /// Two containers (one running, one exited) and one image, sampled at `time` with counters times `scale`.
    static func engineSnapshot(at time: Double, scale: UInt64) -> EngineSnapshot {
        let created = Date(timeIntervalSince1970: 1_700_000_000)
        let stats = ContainerUsage(cpuTimeNs: 500_000_000 * scale, memoryBytes: 64 << 20, memoryLimitBytes: 1 << 30,
                                   netRxBytes: 4096 * scale, netTxBytes: 1024 * scale)
        let api = ContainerSample(key: MachineKey(connection: engineURI, uuid: "aaaaaaaaaaaa0001"), id: "aaaaaaaaaaaa0001",
                                  name: "api", image: "localhost/api:1", command: "serve", created: created,
                                  state: .running, status: "Up 5 minutes", ports: ["0.0.0.0:8080->80/tcp"],
                                  usage: stats)
        let job = ContainerSample(key: MachineKey(connection: engineURI, uuid: "bbbbbbbbbbbb0002"), id: "bbbbbbbbbbbb0002",
                                  name: "job", image: "localhost/job:1", command: "", created: created, state: .exited,
                                  status: "Exited (0) 1 hour ago", ports: [], usage: nil)
        return EngineSnapshot(
            endpoint: engineURI, engine: EngineSample(product: "Podman Engine", version: "4.3.1"), time: time,
            containers: [api, job],
            images: [ContainerImageSample(id: "sha256:cccccccccccc0003", tags: ["localhost/api:1"], sizeBytes: 5 << 20,
                                          created: created)])
    }

    /// The fixture state plus two engine samples 2 s apart.
    static func stateWithContainers() -> AppState {
        var state = Self.state()
        _ = update(&state, .engineSnapshot(engineSnapshot(at: 10, scale: 1)))
        _ = update(&state, .engineSnapshot(engineSnapshot(at: 12, scale: 2)))
        return state
    }

    static func web1Details() -> MachineDetails {
        MachineDetails(hypervisorType: "kvm", osType: "hvm",
                       disks: [.init(target: "vda", device: "disk", format: "qcow2",
                                     source: "/var/lib/libvirt/images/web1.qcow2")],
                       nics: [.init(mac: "52:54:00:00:00:01", type: "network", source: "default", addresses: [])])
    }
}

/// Compares a screen with the text stored beside the tests; RECORD_SNAPSHOTS=1 writes it instead.
func assertSnapshot(_ buffer: Buffer, named name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")
    let file = directory.appendingPathComponent("\(name).txt")
    let actual = buffer.text + "\n"
    if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" {
        try actual.write(to: file, atomically: true, encoding: .utf8)
        return
    }
    let expected = try String(contentsOf: file, encoding: .utf8)
    #expect(actual == expected, "screen \(name) changed; RECORD_SNAPSHOTS=1 re-records it", sourceLocation: sourceLocation)
}
