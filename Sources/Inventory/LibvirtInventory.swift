import Foundation
import VirtKit

/// Collects inventory snapshots from one libvirt connection: one bulk stats call for all machines.
public final class LibvirtInventory: @unchecked Sendable {
    public let connection: Connection
    private let hypervisor: HypervisorInfo
    private let bootTime: Date?

    public init(connection: Connection) throws {
        self.connection = connection
        self.hypervisor = try connection.hypervisor()
        self.bootTime = connection.uri.hasPrefix("qemu:///") ? Self.hostBootTime() : nil
    }

    public func snapshot() throws -> InventorySnapshot {
        let stats = try connection.allDomainStats()
        let host = try connection.host()
        let machines = stats.map { stat in
            MachineSample(key: MachineKey(connection: connection.uri, uuid: stat.uuid), name: stat.name,
                          state: stat.state, reason: stat.reason, vcpus: stat.vcpuCurrent ?? 0,
                          memoryKiB: stat.balloonCurrentKiB ?? 0, maxMemoryKiB: stat.balloonMaximumKiB ?? 0,
                          usableMemoryKiB: stat.balloonUsableKiB, cpuTimeNs: stat.cpuTimeNs,
                          diskReadBytes: stat.diskReadBytes, diskWriteBytes: stat.diskWriteBytes,
                          netRxBytes: stat.netRxBytes, netTxBytes: stat.netTxBytes,
                          startedAt: stat.state.isActive ? processStart(ofDomain: stat.name) : nil)
        }
        return InventorySnapshot(
            connection: connection.uri, hypervisor: hypervisor,
            time: Double(DispatchTime.now().uptimeNanoseconds) / 1e9,
            host: HostSample(hostname: host.hostname, cpus: host.cpus, memoryKiB: host.memoryKiB,
                             availableMemoryKiB: host.availableMemoryKiB, cpuTimes: connection.hostCPUTimes()),
            machines: machines, images: images())
    }

    private func images() -> [ImageSample] {
        // A pool that cannot be read must not hide the machines: images are best effort.
        let pools = (try? connection.storagePools()) ?? []
        return pools.flatMap { pool in
            ((try? connection.volumes(inPool: pool.name)) ?? []).map { volume in
                ImageSample(pool: pool.name, name: volume.name, path: volume.path, format: volume.format,
                            capacityBytes: volume.capacityBytes, allocationBytes: volume.allocationBytes,
                            backingStore: volume.backingStore)
            }
        }
    }

    /// For a local QEMU domain: when its QEMU process started (libvirt keeps its pid in a file), so uptime is
    /// real even for machines started before virtlab.
    private func processStart(ofDomain name: String) -> Date? {
        guard let bootTime,
              let pidText = try? String(contentsOfFile: "/run/libvirt/qemu/\(name).pid", encoding: .utf8),
              let pid = Int(pidText.trimmingCharacters(in: .whitespacesAndNewlines)),
              let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after the command name: state is field 3, starttime field 22 (clock ticks since boot).
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19, let ticks = Double(fields[19]) else { return nil }
        return bootTime.addingTimeInterval(ticks / Double(sysconf(Int32(_SC_CLK_TCK))))
    }

    private static func hostBootTime() -> Date? {
        guard let uptime = try? String(contentsOfFile: "/proc/uptime", encoding: .utf8),
              let seconds = Double(uptime.split(separator: " ").first ?? "") else { return nil }
        return Date().addingTimeInterval(-seconds)
    }
}
