import Foundation

// The domain layer: what the dashboard and the command line show, in words of their own. Providers (libvirt,
// a container engine) map their data into these types; nothing here knows libvirt or the Docker API.

/// A machine's identity across hosts: the connection it lives on and its UUID (names repeat across hosts).
public struct MachineKey: Hashable, Sendable, Comparable {
    public let connection: String
    public let uuid: String
    public init(connection: String, uuid: String) {
        self.connection = connection
        self.uuid = uuid
    }
    public static func < (a: Self, b: Self) -> Bool { (a.connection, a.uuid) < (b.connection, b.uuid) }
}

/// A virtual machine's state, in the words virsh uses (so what a student reads matches `virsh domstate`).
/// The one table of these words: the dashboard, the command line and the lab grader all show states through it.
/// Numbered as libvirt's `virDomainState`, so a driver's state converts by its number alone.
public enum MachineState: Int, Sendable, Equatable, CaseIterable, Codable {
    case noState, running, blocked, paused, shuttingDown, shutOff, crashed, pmSuspended

    /// libvirt's `virDomainState`; a number it may add later reads as "no state".
    public init(libvirtState code: Int32) { self = MachineState(rawValue: Int(code)) ?? .noState }

    public var label: String {
        switch self {
        case .noState: "no state"
        case .running: "running"
        case .blocked: "blocked"
        case .paused: "paused"
        case .shuttingDown: "in shutdown"
        case .shutOff: "shut off"
        case .crashed: "crashed"
        case .pmSuspended: "pmsuspended"
        }
    }

    /// Has a live hypervisor process: counts for start/stop decisions.
    public var isActive: Bool { self != .shutOff && self != .noState && self != .crashed }
}

/// One machine at one moment: cumulative counters, from which rates are derived.
public struct MachineSample: Sendable, Equatable {
    public let key: MachineKey
    public let name: String
    public let state: MachineState
    /// Why it is in that state, in words ("booted", "unpaused", "destroyed"), or "unknown".
    public let reason: String
    public let vcpus: Int
    public let memoryKiB: UInt64
    public let maxMemoryKiB: UInt64
    /// Guest-reported usable memory, where a balloon driver reports it.
    public let usableMemoryKiB: UInt64?
    public let cpuTimeNs: UInt64
    public let diskReadBytes: UInt64
    public let diskWriteBytes: UInt64
    public let netRxBytes: UInt64
    public let netTxBytes: UInt64
    /// When the hypervisor process started, where the host can tell (local QEMU): seconds on the snapshot's
    /// monotonic clock, so uptime needs no wall clock.
    public let startedAt: Double?
    /// False when this refresh did not read its vCPUs, memory and CPU time (a row off screen, on a driver that
    /// makes those a call per machine): they are the last ones read, and no rate is computed from them.
    public let countersMeasured: Bool

    public init(key: MachineKey, name: String, state: MachineState, reason: String = "unknown", vcpus: Int, memoryKiB: UInt64,
                maxMemoryKiB: UInt64, usableMemoryKiB: UInt64? = nil, cpuTimeNs: UInt64, diskReadBytes: UInt64 = 0,
                diskWriteBytes: UInt64 = 0, netRxBytes: UInt64 = 0, netTxBytes: UInt64 = 0, startedAt: Double? = nil,
                countersMeasured: Bool = true) {
        self.key = key
        self.name = name
        self.state = state
        self.reason = reason
        self.vcpus = vcpus
        self.memoryKiB = memoryKiB
        self.maxMemoryKiB = maxMemoryKiB
        self.usableMemoryKiB = usableMemoryKiB
        self.cpuTimeNs = cpuTimeNs
        self.diskReadBytes = diskReadBytes
        self.diskWriteBytes = diskWriteBytes
        self.netRxBytes = netRxBytes
        self.netTxBytes = netTxBytes
        self.startedAt = startedAt
        self.countersMeasured = countersMeasured
    }
}

/// A disk image the host offers: a storage-pool volume (container images join with their provider).
public struct ImageSample: Sendable, Equatable {
    public let pool: String
    public let name: String
    public let path: String
    public let format: String?
    public let capacityBytes: UInt64
    public let allocationBytes: UInt64
    public let backingStore: String?

    public init(pool: String, name: String, path: String, format: String?, capacityBytes: UInt64,
                allocationBytes: UInt64, backingStore: String?) {
        self.pool = pool
        self.name = name
        self.path = path
        self.format = format
        self.capacityBytes = capacityBytes
        self.allocationBytes = allocationBytes
        self.backingStore = backingStore
    }
}

/// A virtual network: how guests on it reach (or do not reach) the host and the world.
public struct NetworkSample: Sendable, Equatable {
    public let name: String
    public let uuid: String
    public let state: NetworkState
    public let autostart: Bool
    /// isolated (host-only), nat, route, open, bridge, ...
    public let mode: String
    public let bridge: String?
    /// "192.168.150.0/24", where it has an address.
    public let subnet: String?
    /// "192.168.150.10-192.168.150.99", where it hands out addresses.
    public let dhcpRange: String?
    /// The addresses it handed out; nil when the driver cannot say (libvirt's test driver).
    public let leases: [Lease]?
    /// The VMs with a NIC on it, by name.
    public let machines: [String]

    public struct Lease: Sendable, Equatable {
        public let mac: String
        public let address: String
        public let hostname: String?

        public init(mac: String, address: String, hostname: String?) {
            self.mac = mac
            self.address = address
            self.hostname = hostname
        }
    }

    public init(name: String, uuid: String, state: NetworkState, autostart: Bool, mode: String, bridge: String?,
                subnet: String?, dhcpRange: String?, leases: [Lease]? = nil, machines: [String] = []) {
        self.name = name
        self.uuid = uuid
        self.state = state
        self.autostart = autostart
        self.mode = mode
        self.bridge = bridge
        self.subnet = subnet
        self.dhcpRange = dhcpRange
        self.leases = leases
        self.machines = machines
    }
}

public enum NetworkState: String, Sendable, Equatable, CaseIterable {
    case active, inactive
}

/// What a machine's definition says: its devices, for the detail pane.
public struct MachineDetails: Sendable, Equatable {
    /// How the hypervisor runs it: "kvm", "qemu" (TCG), "test", ...
    public var hypervisorType: String
    public var osType: String
    public var disks: [Disk]
    public var nics: [NIC]
    /// Host devices given to it ("pci 0000:65:00.0", "usb 0781:5567").
    public var hostDevices: [String] = []
    public var autostart = false
    /// What the guest agent says, when one answers.
    public var guest: GuestSystem?

    public struct Disk: Sendable, Equatable {
        /// Guest device name, e.g. "vda".
        public var target: String
        /// "disk", "cdrom" or "floppy".
        public var device: String
        public var format: String?
        /// The image file or block device, nil for an empty drive.
        public var source: String?
        public init(target: String, device: String, format: String?, source: String?) {
            self.target = target
            self.device = device
            self.format = format
            self.source = source
        }
    }

    public struct NIC: Sendable, Equatable {
        public var mac: String
        /// "network", "bridge", "user", "direct", ...
        public var type: String
        /// The network or bridge it attaches to, where it has one.
        public var source: String?
        public var addresses: [String]
        public init(mac: String, type: String, source: String?, addresses: [String]) {
            self.mac = mac
            self.type = type
            self.source = source
            self.addresses = addresses
        }
    }

    public init(hypervisorType: String, osType: String, disks: [Disk], nics: [NIC]) {
        self.hypervisorType = hypervisorType
        self.osType = osType
        self.disks = disks
        self.nics = nics
    }
}

/// A lifecycle change a provider reports between refreshes.
public struct MachineEvent: Sendable, Equatable {
    public enum Change: Sendable, Equatable {
        case defined, undefined, started, suspended, resumed, stopped, shutdown, pmSuspended, crashed, other
    }

    public let key: MachineKey
    public let change: Change

    public init(key: MachineKey, change: Change) {
        self.key = key
        self.change = change
    }

    /// The state the change implies, where it implies one (a shutdown request does not stop the machine yet).
    public var impliedState: MachineState? {
        switch change {
        case .started, .resumed: .running
        case .suspended: .paused
        case .stopped: .shutOff
        case .crashed: .crashed
        case .pmSuspended: .pmSuspended
        case .shutdown, .defined, .undefined, .other: nil
        }
    }
}

/// The hypervisor behind a connection, as the header names it.
public struct HypervisorSample: Sendable, Equatable {
    public let type: String
    public let version: String
    public init(type: String, version: String) {
        self.type = type
        self.version = version
    }
}

/// The host's cumulative CPU time (any unit, the same in both), for its busy share between two snapshots.
public struct HostCPUCounters: Sendable, Equatable {
    public let busy: UInt64
    public let total: UInt64
    public init(busy: UInt64, total: UInt64) {
        self.busy = busy
        self.total = total
    }
}

public struct HostSample: Sendable, Equatable {
    public let hostname: String
    public let cpus: Int
    public let memoryKiB: UInt64
    public let availableMemoryKiB: UInt64
    public let cpuTimes: HostCPUCounters?

    public init(hostname: String, cpus: Int, memoryKiB: UInt64, availableMemoryKiB: UInt64, cpuTimes: HostCPUCounters?) {
        self.hostname = hostname
        self.cpus = cpus
        self.memoryKiB = memoryKiB
        self.availableMemoryKiB = availableMemoryKiB
        self.cpuTimes = cpuTimes
    }
}

/// Everything one refresh learned about one connection.
public struct InventorySnapshot: Sendable, Equatable {
    public let connection: String
    public let hypervisor: HypervisorSample
    /// Seconds on a monotonic clock, for rates.
    public let time: Double
    public let host: HostSample
    public let machines: [MachineSample]
    public let images: [ImageSample]
    public let networks: [NetworkSample]

    public init(connection: String, hypervisor: HypervisorSample, time: Double, host: HostSample,
                machines: [MachineSample], images: [ImageSample], networks: [NetworkSample] = []) {
        self.connection = connection
        self.hypervisor = hypervisor
        self.time = time
        self.host = host
        self.machines = machines
        self.images = images
        self.networks = networks
    }
}

/// Per-second rates between two samples of the same machine.
public struct MachineRates: Sendable, Equatable {
    /// CPU use as a percentage of one core (can exceed 100 with several vCPUs), as virt-top shows it.
    public let cpuPercentOfOneCore: Double
    /// CPU use as a percentage of the whole host (all cores = 100).
    public let cpuPercentOfHost: Double
    public let diskReadPerSecond: Double
    public let diskWritePerSecond: Double
    public let netRxPerSecond: Double
    public let netTxPerSecond: Double

    public static let zero = MachineRates(cpuPercentOfOneCore: 0, cpuPercentOfHost: 0, diskReadPerSecond: 0,
                                          diskWritePerSecond: 0, netRxPerSecond: 0, netTxPerSecond: 0)
}

/// The last refresh's list, to find each item of the next one in: hypervisors and engines list in a stable
/// order, so an item is looked for at its own position first, and by key only when that position holds another
/// (the index by key is built once, at the first miss). A lookup per item showed at 1,000 machines.
public struct PreviousList<Element, Key: Hashable> {
    @usableFromInline let items: [Element]
    @usableFromInline let key: (Element) -> Key
    @usableFromInline var positions: [Key: Int]?

    @inlinable public init(_ items: [Element], key: @escaping (Element) -> Key) {
        self.items = items
        self.key = key
    }

    @inlinable public mutating func find(_ wanted: Key, at position: Int) -> Element? {
        if position < items.count, key(items[position]) == wanted { return items[position] }
        if positions == nil {
            positions = Dictionary(items.indices.map { (key(items[$0]), $0) }, uniquingKeysWith: { first, _ in first })
        }
        return positions?[wanted].map { items[$0] }
    }
}

/// What rates are computed from: a machine's or a container's cumulative counters.
public protocol CounterSample {
    var key: MachineKey { get }
    var isActive: Bool { get }
    var cpuTimeNs: UInt64 { get }
    var diskReadBytes: UInt64 { get }
    var diskWriteBytes: UInt64 { get }
    var netRxBytes: UInt64 { get }
    var netTxBytes: UInt64 { get }
    /// Read this time (not carried over from an earlier refresh).
    var countersMeasured: Bool { get }
}

extension MachineSample: CounterSample {
    public var isActive: Bool { state.isActive }
}

public enum Rates {
    /// Rates for every machine present in both snapshots. Counters that went backwards (a restart) give 0.
    public static func between(_ old: InventorySnapshot, _ new: InventorySnapshot) -> [MachineKey: MachineRates] {
        between(old.machines, new.machines, elapsed: new.time - old.time, cores: new.host.cpus)
    }

    /// Rates for every running container present in both snapshots; `cores` is the host's, for the host share.
    public static func between(_ old: EngineSnapshot, _ new: EngineSnapshot, cores: Int) -> [MachineKey: MachineRates] {
        between(old.containers, new.containers, elapsed: new.time - old.time, cores: cores)
    }

    static func between<Sample: CounterSample>(_ old: [Sample], _ new: [Sample], elapsed: Double,
                                               cores: Int) -> [MachineKey: MachineRates] {
        guard elapsed > 0 else { return [:] }
        var previous = PreviousList(old) { $0.key }
        let cores = Double(max(1, cores))
        var result: [MachineKey: MachineRates] = [:]
        result.reserveCapacity(new.count)
        for position in new.indices where new[position].isActive && new[position].countersMeasured {
            let sample = new[position]
            guard let before = previous.find(sample.key, at: position) else { continue }
            guard before.isActive, before.countersMeasured else { continue }
            let perSecond = { (now: UInt64, then: UInt64) in now >= then ? Double(now - then) / elapsed : 0 }
            let cpu = perSecond(sample.cpuTimeNs, before.cpuTimeNs) / 1e9 * 100
            result[sample.key] = MachineRates(
                cpuPercentOfOneCore: cpu, cpuPercentOfHost: cpu / cores,
                diskReadPerSecond: perSecond(sample.diskReadBytes, before.diskReadBytes),
                diskWritePerSecond: perSecond(sample.diskWriteBytes, before.diskWriteBytes),
                netRxPerSecond: perSecond(sample.netRxBytes, before.netRxBytes),
                netTxPerSecond: perSecond(sample.netTxBytes, before.netTxBytes))
        }
        return result
    }

    /// The host's busy CPU share between two snapshots, 0...100, or nil where the driver gives no CPU times.
    public static func hostCPUPercent(_ old: InventorySnapshot, _ new: InventorySnapshot) -> Double? {
        guard let a = old.host.cpuTimes, let b = new.host.cpuTimes, b.total > a.total, b.busy >= a.busy else {
            return nil
        }
        return Double(b.busy - a.busy) / Double(b.total - a.total) * 100
    }
}
