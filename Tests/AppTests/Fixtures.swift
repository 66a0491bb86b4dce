import ContainerKit
import Foundation
import Inventory
import Testing
import TermUI
import VirtKit
@testable import App

/// A deterministic dashboard: three VMs on a fake host, two samples apart so rates exist.
enum DashboardFixture {
    static let uri = "qemu:///system"

    static func machine(_ name: String, uuid: String, _ state: DomainState, cpu: UInt64, memoryMiB: UInt64,
                        disk: UInt64 = 0, net: UInt64 = 0) -> MachineSample {
        MachineSample(key: MachineKey(connection: uri, uuid: uuid), name: name, state: state, vcpus: 2,
                      memoryKiB: memoryMiB * 1024 / 2, maxMemoryKiB: memoryMiB * 1024, cpuTimeNs: cpu,
                      diskReadBytes: disk, diskWriteBytes: disk / 2, netRxBytes: net, netTxBytes: net / 4)
    }

    static func snapshot(at time: Double, scale: UInt64) -> InventorySnapshot {
        InventorySnapshot(
            connection: uri, hypervisor: HypervisorInfo(type: "QEMU", version: "7.2.22", libvirtVersion: "9.0.0"),
            time: time,
            host: HostSample(hostname: "labhost", cpus: 4, memoryKiB: 16 << 20, availableMemoryKiB: 12 << 20,
                             cpuTimes: HostCPUTimes(kernel: 10 * scale, user: 30 * scale, idle: 160 * scale, iowait: 0)),
            machines: [
                machine("web1", uuid: web1, .running, cpu: 2_000_000_000 * scale, memoryMiB: 1024,
                        disk: 1_048_576 * scale, net: 65_536 * scale),
                machine("db1", uuid: db1, .paused, cpu: 500_000_000 * scale, memoryMiB: 2048),
                machine("build", uuid: build, .shutOff, cpu: 0, memoryMiB: 4096),
            ],
            images: [ImageSample(pool: "default", name: "debian-12.qcow2", path: "/var/lib/libvirt/images/debian-12.qcow2",
                                 format: "qcow2", capacityBytes: 2 << 30, allocationBytes: 300 << 20, backingStore: nil)])
    }

    static let web1 = "11111111-1111-1111-1111-111111111111"
    static let db1 = "22222222-2222-2222-2222-222222222222"
    static let build = "33333333-3333-3333-3333-333333333333"
    static func key(_ uuid: String) -> MachineKey { MachineKey(connection: uri, uuid: uuid) }

    /// A state that has seen two refreshes 2 s apart.
    static func state(readOnly: Bool = false, demo: Bool = false) -> AppState {
        var state = AppState(uri: uri, isDemo: demo, readOnly: readOnly)
        _ = update(&state, .tick(now: 100))
        _ = update(&state, .reconnected)
        _ = update(&state, .snapshot(snapshot(at: 10, scale: 1)))
        _ = update(&state, .snapshot(snapshot(at: 12, scale: 2)))
        _ = update(&state, .tick(now: 200))  // the "connected" status has expired
        return state
    }

    static let engineURI = "unix:///run/podman/podman.sock"

    /// Two containers (one running, one exited) and one image, sampled at `time` with counters times `scale`.
    static func engineSnapshot(at time: Double, scale: UInt64) -> EngineSnapshot {
        let created = Date(timeIntervalSince1970: 1_700_000_000)
        let api = ContainerSummary(id: "aaaaaaaaaaaa0001", name: "api", image: "localhost/api:1", command: "serve",
                                   created: created, state: .running, status: "Up 5 minutes",
                                   ports: [PortMapping(ip: "0.0.0.0", privatePort: 80, publicPort: 8080, type: "tcp")])
        let job = ContainerSummary(id: "bbbbbbbbbbbb0002", name: "job", image: "localhost/job:1", created: created,
                                   state: .exited, status: "Exited (0) 1 hour ago")
        let stats = ContainerStats(cpuTimeNs: 500_000_000 * scale, onlineCPUs: 4, memoryBytes: 64 << 20,
                                   memoryLimitBytes: 1 << 30, netRxBytes: 4096 * scale, netTxBytes: 1024 * scale)
        return EngineSnapshot(
            endpoint: engineURI, engine: EngineVersion(product: "Podman Engine", version: "4.3.1", apiVersion: "1.41"),
            time: time,
            containers: [ContainerSample(key: MachineKey(connection: engineURI, uuid: api.id), summary: api, stats: stats),
                         ContainerSample(key: MachineKey(connection: engineURI, uuid: job.id), summary: job, stats: nil)],
            images: [ContainerImage(id: "sha256:cccccccccccc0003", tags: ["localhost/api:1"], sizeBytes: 5 << 20,
                                    created: created)])
    }

    /// The fixture state plus two engine samples 2 s apart.
    static func stateWithContainers() -> AppState {
        var state = Self.state()
        _ = update(&state, .engineSnapshot(engineSnapshot(at: 10, scale: 1)))
        _ = update(&state, .engineSnapshot(engineSnapshot(at: 12, scale: 2)))
        return state
    }

    static func web1Details() throws -> DomainDetails {
        try DomainDetails(xml: """
            <domain type='kvm'><name>web1</name><uuid>11111111-1111-1111-1111-111111111111</uuid>
            <memory>1048576</memory><vcpu>2</vcpu><os><type arch='x86_64'>hvm</type></os>
            <devices><disk type='file' device='disk'><driver type='qcow2'/><source file='/var/lib/libvirt/images/web1.qcow2'/>
            <target dev='vda' bus='virtio'/></disk><interface type='network'><mac address='52:54:00:00:00:01'/>
            <source network='default'/></interface></devices></domain>
            """, info: nil)
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
