import CLibvirt
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// How a domain moves to another host (`virsh migrate`'s choices that virtlab offers).
public struct MigrationRequest: Sendable, Equatable {
    /// Live: the guest keeps running while its memory is copied. Offline: only the definition moves (shut off).
    /// Paused: the guest is stopped for the copy and starts paused on the destination, as `virsh migrate` without
    /// `--live` does.
    public enum Mode: String, Sendable, Equatable { case live, offline, paused }

    public var mode: Mode
    /// The disks are copied too (NBD), for disks the destination cannot see.
    public var copyStorage = false
    /// The definition stays on the source (shut off there) instead of being removed.
    public var keepSource = false
    /// Peer-to-peer through the source daemon's own connection to `destinationURI`, the data inside it.
    public var tunnelled = false
    public var bandwidthMiBPerSecond: UInt64?
    public var maxDowntimeMilliseconds: UInt64?
    /// Moves even where libvirt cannot tell that the disks' storage is shared (it recognises NFS, GFS2, Ceph and the
    /// like, not a directory both hosts see some other way).
    public var unsafe = false

    public init(mode: Mode, copyStorage: Bool = false, keepSource: Bool = false, tunnelled: Bool = false,
                bandwidthMiBPerSecond: UInt64? = nil, maxDowntimeMilliseconds: UInt64? = nil, unsafe: Bool = false) {
        self.mode = mode
        self.copyStorage = copyStorage
        self.keepSource = keepSource
        self.tunnelled = tunnelled
        self.unsafe = unsafe
        self.bandwidthMiBPerSecond = bandwidthMiBPerSecond
        self.maxDowntimeMilliseconds = maxDowntimeMilliseconds
    }

    var flags: UInt32 {
        var flags = VIR_MIGRATE_PERSIST_DEST.rawValue
        switch mode {
        case .live: flags |= VIR_MIGRATE_LIVE.rawValue
        case .offline: flags |= VIR_MIGRATE_OFFLINE.rawValue
        case .paused: flags |= VIR_MIGRATE_PAUSED.rawValue
        }
        if !keepSource { flags |= VIR_MIGRATE_UNDEFINE_SOURCE.rawValue }
        if copyStorage { flags |= VIR_MIGRATE_NON_SHARED_DISK.rawValue }
        if tunnelled { flags |= VIR_MIGRATE_PEER2PEER.rawValue | VIR_MIGRATE_TUNNELLED.rawValue }
        if unsafe { flags |= VIR_MIGRATE_UNSAFE.rawValue }
        return flags
    }

    /// The same migration as `virsh` commands (each an argv), for `--explain`: a downtime limit is its own command
    /// before the move, as in virsh.
    public func virshCommands(domain: String, sourceURI: String, destinationURI: String) -> [[String]] {
        var words = ["virsh", "-c", sourceURI, "migrate"]
        switch mode {
        case .live: words.append("--live")
        case .offline: words.append("--offline")
        case .paused: words.append("--suspend")
        }
        words += ["--persistent"] + (keepSource ? [] : ["--undefinesource"])
        if copyStorage { words.append("--copy-storage-all") }
        if tunnelled { words += ["--p2p", "--tunnelled"] }
        if unsafe { words.append("--unsafe") }
        if let bandwidthMiBPerSecond { words += ["--bandwidth", String(bandwidthMiBPerSecond)] }
        let downtime = maxDowntimeMilliseconds.map {
            [["virsh", "-c", sourceURI, "migrate-setmaxdowntime", domain, String($0)]]
        } ?? []
        return downtime + [words + ["--verbose", domain, destinationURI]]
    }
}

/// A migration job's figures as libvirt reports them while it runs (and once completed, with the real downtime).
public struct MigrationProgress: Sendable, Equatable {
    public var elapsedMilliseconds: UInt64 = 0
    public var dataProcessedBytes: UInt64 = 0
    public var dataRemainingBytes: UInt64 = 0
    public var dataTotalBytes: UInt64 = 0
    public var memoryBytesPerSecond: UInt64 = 0
    public var dirtyPagesPerSecond: UInt64 = 0
    /// Expected while running, measured once completed.
    public var downtimeMilliseconds: UInt64?
    public var diskProcessedBytes: UInt64 = 0
    public var diskTotalBytes: UInt64 = 0

    public init() {}

    /// Done so far, 0...1, from the data total libvirt gives (memory and disks together).
    public var fraction: Double {
        dataTotalBytes == 0 ? 0 : min(1, Double(dataProcessedBytes) / Double(dataTotalBytes))
    }
}

extension Domain {
    /// Moves the domain to `destination` and returns it there. Blocks until libvirt finishes, fails or is
    /// cancelled (`abortJob` from another thread). Client-managed (this process drives both daemons) unless the
    /// request is tunnelled, which hands the job to the source daemon (peer-to-peer, to `destinationURI`).
    public func migrate(to destination: Connection, request: MigrationRequest) throws -> Domain {
        var params: UnsafeMutablePointer<virTypedParameter>?
        var count: Int32 = 0
        var capacity: Int32 = 0
        defer { virTypedParamsFree(params, count) }
        if let bandwidth = request.bandwidthMiBPerSecond {
            try check("set the migration bandwidth", virTypedParamsAddULLong(&params, &count, &capacity,
                                                                            VIR_MIGRATE_PARAM_BANDWIDTH, bandwidth))
        }
        if let downtime = request.maxDowntimeMilliseconds, request.mode == .live {
            try check("set the maximum downtime of '\(name)'", virDomainMigrateSetMaxDowntime(pointer, downtime, 0))
        }
        let operation = "migrate '\(name)' to \(destination.uri)"
        if request.tunnelled {
            try check(operation, virDomainMigrateToURI3(pointer, destination.uri, params, UInt32(count), request.flags))
            return try destination.domain(uuid: uuid)
        }
        let conn = try destination.handle(operation)
        return Domain(taking: try check(operation, virDomainMigrate3(pointer, conn, params, UInt32(count), request.flags)))
    }

    /// The running job's figures, nil when no job runs. With `completed`, the last finished job's (kept by
    /// libvirt on the host it finished on), where the real downtime is.
    public func jobProgress(completed: Bool = false) throws -> MigrationProgress? {
        var type: Int32 = 0
        var params: UnsafeMutablePointer<virTypedParameter>?
        var count: Int32 = 0
        let flags = completed ? VIR_DOMAIN_JOB_STATS_COMPLETED.rawValue : 0
        try check("read the job of '\(name)'", virDomainGetJobStats(pointer, &type, &params, &count, flags))
        defer { virTypedParamsFree(params, count) }
        guard type != Int32(VIR_DOMAIN_JOB_NONE.rawValue) else { return nil }
        var progress = MigrationProgress()
        for param in UnsafeBufferPointer(start: params, count: Int(count)) {
            let value = param.integer
            switch fieldName(param.field) {
            case VIR_DOMAIN_JOB_TIME_ELAPSED: progress.elapsedMilliseconds = value
            case VIR_DOMAIN_JOB_DATA_PROCESSED: progress.dataProcessedBytes = value
            case VIR_DOMAIN_JOB_DATA_REMAINING: progress.dataRemainingBytes = value
            case VIR_DOMAIN_JOB_DATA_TOTAL: progress.dataTotalBytes = value
            case VIR_DOMAIN_JOB_MEMORY_BPS: progress.memoryBytesPerSecond = value
            case VIR_DOMAIN_JOB_MEMORY_DIRTY_RATE: progress.dirtyPagesPerSecond = value
            case VIR_DOMAIN_JOB_DOWNTIME: progress.downtimeMilliseconds = value
            case VIR_DOMAIN_JOB_DISK_PROCESSED: progress.diskProcessedBytes = value
            case VIR_DOMAIN_JOB_DISK_TOTAL: progress.diskTotalBytes = value
            default: break
            }
        }
        return progress
    }

    /// Cancels the running job (a migration): the guest stays where it was, running as before.
    public func abortJob() throws { try check("cancel the job of '\(name)'", virDomainAbortJob(pointer)) }

    /// The virtual size of disk `target` (vda), read on its host, pool or no pool.
    public func diskCapacityBytes(_ target: String) throws -> UInt64 {
        var info = virDomainBlockInfo()
        try check("read the size of disk \(target) of '\(name)'", virDomainGetBlockInfo(pointer, target, &info, 0))
        return info.capacity
    }

    /// What in the domain's definition ties it to this host: its host devices (PCI, USB, mediated), as their
    /// descriptions ("pci 0000:65:00.0").
    public func hostDevices() throws -> [String] { try DomainDetails(xml: try xml(), info: nil).hostDevices }

    /// The guest's CPU as its definition gives it.
    public func guestCPU() throws -> GuestCPU {
        let doc = try XMLDocument(xmlString: try xml(), options: [])
        guard let cpu = try doc.nodes(forXPath: "/domain/cpu").first as? XMLElement else { return .hypervisorDefault }
        if cpu.attribute(forName: "mode")?.stringValue == "host-passthrough" { return .hostPassthrough }
        guard try !doc.nodes(forXPath: "/domain/cpu/model").isEmpty else { return .hypervisorDefault }
        return .defined(xml: cpu.xmlString)
    }
}

/// A guest's CPU: the hypervisor's default model (any host of the same hypervisor runs it), the host's own CPU
/// passed through (only an identical host can take it), or a named model and features libvirt can compare.
public enum GuestCPU: Sendable, Equatable {
    case hypervisorDefault
    case hostPassthrough
    case defined(xml: String)
}

/// How a host's CPU compares with a guest's, as libvirt says.
public enum CPUComparison: Sendable, Equatable {
    case compatible
    case incompatible(String)
}

extension Connection {
    /// Whether this host's hypervisor can run a guest CPU defined by `cpuXML` (`virConnectCompareHypervisorCPU`).
    public func compareGuestCPU(_ cpuXML: String, arch: String?, virtType: String) throws -> CPUComparison {
        let conn = try handle("compare CPUs on \(uri)")
        let result = virConnectCompareHypervisorCPU(conn, nil, arch, nil, virtType, cpuXML, 0)
        if result == Int32(VIR_CPU_COMPARE_INCOMPATIBLE.rawValue) {
            let error = LibvirtError.last("compare CPUs on \(uri)")
            return .incompatible(error.message)
        }
        if result == Int32(VIR_CPU_COMPARE_ERROR.rawValue) { throw LibvirtError.last("compare CPUs on \(uri)") }
        return .compatible
    }

    /// The host's own UUID (libvirt's capabilities), which two hosts never share: the same UUID is the same host.
    public func hostUUID() throws -> String? {
        let conn = try handle("read the capabilities of \(uri)")
        let xml = try check("read the capabilities of \(uri)", takeString(virConnectGetCapabilities(conn)))
        let doc = try XMLDocument(xmlString: xml, options: [])
        return try doc.nodes(forXPath: "/capabilities/host/uuid").first?.stringValue
    }

    /// Free memory on the host, in bytes.
    public func freeMemoryBytes() throws -> UInt64 {
        let conn = try handle("read the free memory of \(uri)")
        let free = virNodeGetFreeMemory(conn)
        if free == 0 { throw LibvirtError.last("read the free memory of \(uri)") }
        return free
    }
}

extension Connection {
    /// Deletes the storage volume at `path` through the pool that holds it; false where no pool holds it.
    public func deleteVolume(atPath path: String) throws -> Bool {
        let conn = try handle("delete volume \(path) on \(uri)")
        guard let volume = virStorageVolLookupByPath(conn, path) else {
            virResetLastError()
            return false
        }
        defer { virStorageVolFree(volume) }
        try check("delete volume \(path) on \(uri)", virStorageVolDelete(volume, 0))
        return true
    }
}

/// What a host sees of a disk file: the storage pool over its directory (refreshed first, so a file made there by
/// another host is seen) and the volume itself with what it takes, where a pool holds it.
public struct DiskSight: Sendable, Equatable {
    public let pool: StoragePool?
    public let allocationBytes: UInt64?
    public var isSeen: Bool { allocationBytes != nil }
}

extension Connection {
    public func sight(ofDisk path: String) throws -> DiskSight {
        let conn = try handle("look for \(path) on \(uri)")
        let directory = (path as NSString).deletingLastPathComponent
        var pool: StoragePool?
        if let handle = virStoragePoolLookupByTargetPath(conn, directory) {
            defer { virStoragePoolFree(handle) }
            if virStoragePoolIsActive(handle) == 1 && virStoragePoolRefresh(handle, 0) < 0 { virResetLastError() }
            pool = try Self.describe(pool: handle)
        } else {
            virResetLastError()
        }
        guard let volume = virStorageVolLookupByPath(conn, path) else {
            virResetLastError()
            return DiskSight(pool: pool, allocationBytes: nil)
        }
        defer { virStorageVolFree(volume) }
        var info = virStorageVolInfo()
        try check("read volume \(path) on \(uri)", virStorageVolGetInfo(volume, &info))
        return DiskSight(pool: pool, allocationBytes: info.allocation)
    }
}
