import Foundation

/// The system inside a VM as its guest agent describes it: what `vm info` and the detail pane show.
public struct GuestSystem: Sendable, Equatable {
    public struct FileSystem: Sendable, Equatable {
        public let mountpoint: String
        public let type: String
        public let usedBytes: UInt64?
        public let totalBytes: UInt64?
        public init(mountpoint: String, type: String, usedBytes: UInt64?, totalBytes: UInt64?) {
            self.mountpoint = mountpoint
            self.type = type
            self.usedBytes = usedBytes
            self.totalBytes = totalBytes
        }
    }

    public struct Interface: Sendable, Equatable {
        public let name: String
        public let addresses: [String]
        public init(name: String, addresses: [String]) {
            self.name = name
            self.addresses = addresses
        }
    }

    public let os: String?
    public let kernel: String?
    public let hostname: String?
    public let timezone: String?
    /// Who is logged in, once each.
    public let users: [String]
    public let fileSystems: [FileSystem]
    public let interfaces: [Interface]

    public init(os: String?, kernel: String?, hostname: String?, timezone: String?, users: [String],
                fileSystems: [FileSystem], interfaces: [Interface]) {
        self.os = os
        self.kernel = kernel
        self.hostname = hostname
        self.timezone = timezone
        self.users = users
        self.fileSystems = fileSystems
        self.interfaces = interfaces
    }
}

/// One VM's counters per disk and per NIC at one moment (virt-top's block and interface views), for the
/// selected VM; rates come from two of them.
public struct DeviceCounters: Sendable, Equatable {
    public struct Disk: Sendable, Equatable {
        public let name: String
        public let readBytes: UInt64
        public let writeBytes: UInt64
        public let readRequests: UInt64
        public let writeRequests: UInt64
        public let capacityBytes: UInt64?
        public let allocationBytes: UInt64?
        public init(name: String, readBytes: UInt64, writeBytes: UInt64, readRequests: UInt64, writeRequests: UInt64,
                    capacityBytes: UInt64?, allocationBytes: UInt64?) {
            self.name = name
            self.readBytes = readBytes
            self.writeBytes = writeBytes
            self.readRequests = readRequests
            self.writeRequests = writeRequests
            self.capacityBytes = capacityBytes
            self.allocationBytes = allocationBytes
        }
    }

    public struct NIC: Sendable, Equatable {
        public let name: String
        public let rxBytes: UInt64
        public let txBytes: UInt64
        public let rxPackets: UInt64
        public let txPackets: UInt64
        public init(name: String, rxBytes: UInt64, txBytes: UInt64, rxPackets: UInt64, txPackets: UInt64) {
            self.name = name
            self.rxBytes = rxBytes
            self.txBytes = txBytes
            self.rxPackets = rxPackets
            self.txPackets = txPackets
        }
    }

    /// Monotonic seconds when read.
    public let time: Double
    public let disks: [Disk]
    public let nics: [NIC]

    public init(time: Double, disks: [Disk], nics: [NIC]) {
        self.time = time
        self.disks = disks
        self.nics = nics
    }

    /// Per-second rates of each device from `earlier` to this one: read/write bytes per disk, rx/tx per NIC.
    public func rates(since earlier: DeviceCounters) -> (disks: [String: (read: Double, write: Double)],
                                                        nics: [String: (rx: Double, tx: Double)]) {
        let seconds = time - earlier.time
        guard seconds > 0 else { return ([:], [:]) }
        let delta = { (now: UInt64, then: UInt64) in now >= then ? Double(now - then) / seconds : 0 }
        var disks: [String: (read: Double, write: Double)] = [:]
        for disk in self.disks {
            guard let old = earlier.disks.first(where: { $0.name == disk.name }) else { continue }
            disks[disk.name] = (delta(disk.readBytes, old.readBytes), delta(disk.writeBytes, old.writeBytes))
        }
        var nics: [String: (rx: Double, tx: Double)] = [:]
        for nic in self.nics {
            guard let old = earlier.nics.first(where: { $0.name == nic.name }) else { continue }
            nics[nic.name] = (delta(nic.rxBytes, old.rxBytes), delta(nic.txBytes, old.txBytes))
        }
        return (disks, nics)
    }
}
