import Foundation
import ImageKit
import Inventory
import VirtKit

/// Collects inventory snapshots from one libvirt connection (one bulk stats call for all machines) and maps
/// libvirt's data into the Inventory's types. Not thread-safe: one caller at a time (the dashboard's worker).
public final class LibvirtProvider: @unchecked Sendable {
    public let connection: Connection
    private let hypervisor: HypervisorSample
    private let bootTime: Date?
    private let library: ImageLibrary?
    /// Images and networks change rarely and cost a read per volume, file and network: they are listed on a
    /// slower cycle.
    private var slowLists: (at: Double, images: [ImageSample], networks: [NetworkSample], hostname: String)?
    public static let imageRefreshSeconds = 15.0
    /// The last snapshot's machines: a machine a refresh may skip (see `snapshot(completing:)`) carries its
    /// vCPUs, memory and CPU time from there.
    private var lastMachines: [MachineSample] = []
    /// The last refresh's counters, kept (not copied) for `devices(uuid:)`: per-disk and per-NIC numbers of the
    /// selected VM cost no call of their own.
    private var lastStats: (time: Double, stats: [DomainStats]) = (0, [])

    public init(connection: Connection, library: ImageLibrary? = nil) throws {
        self.connection = connection
        let info = try connection.hypervisor()
        self.hypervisor = HypervisorSample(type: info.type, version: info.version)
        self.bootTime = connection.uri.hasPrefix("qemu:///") ? Self.hostBootTime() : nil
        self.library = library
    }

    /// The next snapshot lists images and networks afresh (after an import, a create, a delete, a network action).
    public func invalidateSlowLists() { slowLists = nil }

    /// `completing`: the UUIDs whose vCPUs, memory and CPU time must be read this time on a driver that makes
    /// them a call per machine (nil: all). The others carry their last values, marked as not measured.
    public func snapshot(completing: Set<String>? = nil) throws -> InventorySnapshot {
        let stats = try connection.allDomainStats(completing: completing)
        let now = Double(DispatchTime.now().uptimeNanoseconds) / 1e9
        let slowListsDue = slowLists == nil || now - slowLists!.at >= Self.imageRefreshSeconds
        let host = try connection.host(knownHostname: slowListsDue ? nil : slowLists?.hostname)
        lastStats = (now, stats)
        if slowListsDue {
            slowLists = (now, Self.diskImages(connection: connection, library: library),
                            Self.networks(connection), host.hostname)
        }
        var last = PreviousList(lastMachines) { $0.key.uuid }
        let machines = stats.enumerated().map { position, stat in
            var counters = (vcpus: 0, memoryKiB: UInt64(0), maxMemoryKiB: UInt64(0), cpuTimeNs: UInt64(0))
            if stat.isComplete {
                counters = (stat.vcpuCurrent ?? 0, stat.balloonCurrentKiB ?? 0, stat.balloonMaximumKiB ?? 0, stat.cpuTimeNs)
            } else if let old = last.find(stat.uuid, at: position) {
                counters = (old.vcpus, old.memoryKiB, old.maxMemoryKiB, old.cpuTimeNs)
            }
            return MachineSample(
                key: MachineKey(connection: connection.uri, uuid: stat.uuid), name: stat.name,
                state: MachineState(libvirtState: stat.state.rawValue), reason: stat.state.reason(stat.reason), vcpus: counters.vcpus,
                memoryKiB: counters.memoryKiB, maxMemoryKiB: counters.maxMemoryKiB, usableMemoryKiB: stat.balloonUsableKiB,
                cpuTimeNs: counters.cpuTimeNs, diskReadBytes: stat.diskReadBytes, diskWriteBytes: stat.diskWriteBytes,
                netRxBytes: stat.netRxBytes, netTxBytes: stat.netTxBytes,
                startedAt: stat.state.isActive ? processStart(ofDomain: stat.name).map { now - Date().timeIntervalSince($0) } : nil,
                countersMeasured: stat.isComplete)
        }
        lastMachines = machines
        return InventorySnapshot(
            connection: connection.uri, hypervisor: hypervisor,
            time: now,
            host: HostSample(hostname: slowLists?.hostname ?? host.hostname, cpus: host.cpus,
                             memoryKiB: host.memoryKiB, availableMemoryKiB: host.availableMemoryKiB,
                             cpuTimes: connection.hostCPUTimes().map { HostCPUCounters(busy: $0.busy, total: $0.total) }),
            machines: machines, images: slowLists?.images ?? [], networks: slowLists?.networks ?? [])
    }

    /// One machine's disks and NICs as the last snapshot read them; nil when it was not in it.
    public func devices(uuid: String) -> DeviceCounters? {
        lastStats.stats.first { $0.uuid == uuid }.map { DeviceCounters($0, time: lastStats.time) }
    }

    /// Disk images: virtlab's directory first, then every pool's volumes. Best effort: a pool that cannot be read
    /// is left out rather than hiding everything else. The dashboard and `virtlab image ls` both list this way.
    public static func diskImages(connection: Connection?, library: ImageLibrary?) -> [ImageSample] {
        let own = (library?.images() ?? []).map { ImageSample($0, source: libraryLabel) }
        guard let connection else { return own }
        // A URI without a host (`qemu:///system`) names this machine, whose files we can read.
        let isLocal = connection.uri.contains(":///")
        let pools = (try? connection.storagePools()) ?? []
        return own + pools.filter(\.active).flatMap { pool in
            ((try? connection.volumes(inPool: pool.name)) ?? []).map { volume in
                // On this host the header says what the file is; libvirt's word serves for remote files.
                let header = isLocal ? DiskImage.inspect(path: volume.path) : nil
                return ImageSample(pool: pool.name, name: volume.name, path: volume.path,
                                   format: header?.format ?? volume.format, capacityBytes: volume.capacityBytes,
                                   allocationBytes: volume.allocationBytes,
                                   backingStore: header?.backingFile ?? volume.backingStore)
            }
        }
    }

    /// The pool column's word for virtlab's own images directory.
    public static let libraryLabel = "images dir"

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

extension ImageSample {
    /// A file read by its header; `source` takes the pool's place (virtlab's directory, or "file").
    public init(_ image: DiskImage, source: String) {
        self.init(pool: source, name: (image.path as NSString).lastPathComponent, path: image.path,
                  format: image.format, capacityBytes: image.virtualSize, allocationBytes: image.sizeOnDisk,
                  backingStore: image.backingFile)
    }
}

extension MachineDetails {
    public init(_ details: DomainDetails) {
        self.init(hypervisorType: details.hypervisorType, osType: details.osType,
                  disks: details.disks.map { Disk(target: $0.target, device: $0.device, format: $0.format, source: $0.source) },
                  nics: details.nics.map { NIC(mac: $0.mac, type: $0.type, source: $0.source, addresses: $0.addresses) })
        autostart = details.autostart
        hostDevices = details.hostDevices
    }
}

extension GuestSystem {
    public init(_ info: GuestInfo) {
        var seen = Set<String>()
        self.init(os: info.osDescription,
                  kernel: info.kernel, hostname: info.hostname, timezone: info.timezone,
                  users: info.users.map(\.name).filter { seen.insert($0).inserted },
                  fileSystems: info.fileSystems.map {
                      FileSystem(mountpoint: $0.mountpoint, type: $0.type, usedBytes: $0.usedBytes, totalBytes: $0.totalBytes)
                  },
                  interfaces: info.interfaces.filter { $0.name != "lo" }.map { Interface(name: $0.name, addresses: $0.addresses) })
    }
}

extension DeviceCounters {
    public init(_ stats: DomainStats, time: Double) {
        self.init(time: time,
                  disks: stats.disks.map {
                      Disk(name: $0.name, readBytes: $0.readBytes, writeBytes: $0.writeBytes, readRequests: $0.readRequests,
                           writeRequests: $0.writeRequests, capacityBytes: $0.capacityBytes, allocationBytes: $0.allocationBytes)
                  },
                  nics: stats.nics.map {
                      NIC(name: $0.name, rxBytes: $0.rxBytes, txBytes: $0.txBytes, rxPackets: $0.rxPackets, txPackets: $0.txPackets)
                  })
    }
}

extension SnapshotNode {
    public init(_ snapshot: DomainSnapshot) {
        self.init(name: snapshot.name, parent: snapshot.parent, isCurrent: snapshot.isCurrent, isExternal: snapshot.isExternal,
                  state: snapshot.state, created: snapshot.created, description: snapshot.description)
    }
}


extension MachineEvent {
    /// A libvirt lifecycle event on the connection `uri`.
    public init(_ event: DomainEvent, uri: String) {
        let change: Change = switch event.kind {
        case .defined: .defined
        case .undefined: .undefined
        case .started: .started
        case .suspended: .suspended
        case .resumed: .resumed
        case .stopped: .stopped
        case .shutdown: .shutdown
        case .pmSuspended: .pmSuspended
        case .crashed: .crashed
        case .unknown: .other
        }
        self.init(key: MachineKey(connection: uri, uuid: event.domainUUID), change: change)
    }
}

extension LibvirtProvider {
    /// The networks with their leases (an active network's; nil where the driver cannot list them) and VMs.
    static func networks(_ connection: Connection) -> [NetworkSample] {
        let networks = (try? connection.networks()) ?? []
        let users = networks.isEmpty ? [:] : (try? connection.networkUsers()) ?? [:]
        return networks.map { network in
            NetworkSample(network, leases: network.active ? (try? connection.leases(network.name)) : [],
                          machines: users[network.name] ?? [])
        }
    }
}

extension NetworkSample {
    public init(_ network: VirtualNetwork, leases: [NetworkLease]?, machines: [String] = []) {
        self.init(name: network.name, uuid: network.uuid, state: network.active ? .active : .inactive,
                  autostart: network.autostart, mode: network.forwardMode, bridge: network.bridge,
                  subnet: network.subnet?.description,
                  dhcpRange: network.dhcpRanges.first.map { "\($0.start)-\($0.end)" },
                  leases: leases?.map { Lease(mac: $0.mac, address: $0.address, hostname: $0.hostname) },
                  machines: machines)
    }
}
