import CLibvirt
import Foundation
import Synchronization

/// An open libvirt connection. libvirt connections are thread-safe; every method is synchronous and
/// reads libvirt's thread-local error in the same call, so it may be used from any task or thread.
public final class Connection: @unchecked Sendable {
    public let uri: String
    public let isReadOnly: Bool
    private let pointer: OpaquePointer
    private let closed = Mutex(false)
    private let memoryStatsUnsupported = Mutex(false)
    /// Each domain's UUID by name, for the bulk refresh: libvirt formats a domain's UUID with snprintf for its
    /// debug log on every per-domain call (logging on or not), which at 1,000 domains cost as much as the bulk
    /// call itself. Names are unique per connection; a lifecycle "defined"/"undefined" event empties the map,
    /// and the whole map is rebuilt every `uuidCacheRounds` refreshes in case an event was missed.
    let uuidCache = UUIDCache()
    static let uuidCacheRounds = 20

    /// Opens `uri` ("qemu:///system", "test:///default", "qemu+ssh://host/system", ...).
    public init(uri: String, readOnly: Bool = false) throws {
        Libvirt.initialize()
        let opened = readOnly ? virConnectOpenReadOnly(uri) : virConnectOpen(uri)
        self.pointer = try check("connect to \(uri)", opened)
        self.uri = uri
        self.isReadOnly = readOnly
        // Keepalives let a remote or daemon connection notice a dead peer; the test driver has none.
        if !uri.hasPrefix("test:") { _ = virConnectSetKeepAlive(pointer, 5, 3) }
    }

    deinit { close() }

    /// Closes the connection; later calls on it throw. Idempotent.
    public func close() {
        let wasOpen = closed.withLock { isClosed in
            defer { isClosed = true }
            return !isClosed
        }
        if wasOpen { virConnectClose(pointer) }
    }

    /// The raw handle, or an error once closed.
    func handle(_ operation: @autoclosure () -> String) throws -> OpaquePointer {
        if closed.withLock({ $0 }) {
            throw LibvirtError(operation: operation(), code: Int32(VIR_ERR_INVALID_CONN.rawValue),
                               domain: 0, message: "the connection to \(uri) is closed")
        }
        return pointer
    }

    /// True while the peer answers (keepalive-based for remote and daemon URIs).
    public var isAlive: Bool {
        guard let handle = try? handle("check connection") else { return false }
        return virConnectIsAlive(handle) == 1
    }

    /// True for libvirt's built-in, in-process demo hypervisor.
    public var isTestDriver: Bool { uri.hasPrefix("test:") }

    // MARK: - Host

    public func hypervisor() throws -> HypervisorInfo {
        let conn = try handle("read hypervisor type")
        let type = String(cString: try check("read hypervisor type", virConnectGetType(conn)))
        var hvVersion: UInt = 0
        try check("read hypervisor version", virConnectGetVersion(conn, &hvVersion))
        var libVersion: UInt = 0
        try check("read libvirt version", virConnectGetLibVersion(conn, &libVersion))
        return HypervisorInfo(type: type, version: Libvirt.formatVersion(hvVersion),
                              libvirtVersion: Libvirt.formatVersion(libVersion))
    }

    /// `knownHostname`: the host's name as read before; asking again is a name lookup on the host.
    public func host(knownHostname: String? = nil) throws -> HostInfo {
        let conn = try handle("read host info")
        var info = virNodeInfo()
        try check("read host info", virNodeGetInfo(conn, &info))
        let hostname = knownHostname ?? takeString(virConnectGetHostname(conn)) ?? "unknown"
        let model = withUnsafeBytes(of: info.model) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        var memory = nodeMemoryStats()
        if memory["total"] == nil { memory["total"] = UInt64(info.memory) }
        if memory["free"] == nil { memory["free"] = virNodeGetFreeMemory(conn) / 1024 }
        return HostInfo(hostname: hostname, cpuModel: model, cpus: Int(info.cpus), mhz: Int(info.mhz),
                        memoryKiB: memory["total"] ?? UInt64(info.memory),
                        freeMemoryKiB: memory["free"] ?? 0,
                        availableMemoryKiB: memory["free"].map { free in
                            free + (memory["buffers"] ?? 0) + (memory["cached"] ?? 0)
                        } ?? 0)
    }

    /// Cumulative host CPU times in nanoseconds (kernel, user, idle, iowait), or nil where the driver has none.
    public func hostCPUTimes() -> HostCPUTimes? {
        guard let conn = try? handle("read host CPU stats") else { return nil }
        var count: Int32 = 0
        guard virNodeGetCPUStats(conn, VIR_NODE_CPU_STATS_ALL_CPUS.rawValue, nil, &count, 0) == 0, count > 0 else {
            virResetLastError()
            return nil
        }
        var params = [virNodeCPUStats](repeating: virNodeCPUStats(), count: Int(count))
        guard virNodeGetCPUStats(conn, VIR_NODE_CPU_STATS_ALL_CPUS.rawValue, &params, &count, 0) == 0 else {
            virResetLastError()
            return nil
        }
        var values: [String: UInt64] = [:]
        for param in params.prefix(Int(count)) { values[fieldName(param.field)] = param.value }
        return HostCPUTimes(kernel: values["kernel"] ?? 0, user: values["user"] ?? 0, idle: values["idle"] ?? 0,
                            iowait: values["iowait"] ?? 0)
    }

    private func nodeMemoryStats() -> [String: UInt64] {
        guard !memoryStatsUnsupported.withLock({ $0 }), let conn = try? handle("read host memory") else { return [:] }
        var count: Int32 = 0
        let allCells = Int32(-1)  // VIR_NODE_MEMORY_STATS_ALL_CELLS is a macro Swift does not import.
        guard virNodeGetMemoryStats(conn, allCells, nil, &count, 0) == 0, count > 0 else {
            // A driver without it (the test driver) says so on every call, a formatted error each refresh.
            if virGetLastErrorCode() == Int32(VIR_ERR_NO_SUPPORT.rawValue) { memoryStatsUnsupported.withLock { $0 = true } }
            virResetLastError()
            return [:]
        }
        var params = [virNodeMemoryStats](repeating: virNodeMemoryStats(), count: Int(count))
        guard virNodeGetMemoryStats(conn, allCells, &params, &count, 0) == 0 else {
            virResetLastError()
            return [:]
        }
        var values: [String: UInt64] = [:]
        for param in params.prefix(Int(count)) { values[fieldName(param.field)] = param.value }
        return values
    }

    // MARK: - Domains

    /// Every domain, active and inactive, in libvirt's order.
    public func domains() throws -> [Domain] {
        let conn = try handle("list domains")
        return try listAll("list domains", { virConnectListAllDomains(conn, $0, 0) }, release: nil,
                           Domain.init(taking:))
    }

    public func domain(named name: String) throws -> Domain {
        let conn = try handle("find domain '\(name)'")
        return Domain(taking: try check("find domain '\(name)'", virDomainLookupByName(conn, name)))
    }

    public func domain(uuid: String) throws -> Domain {
        let conn = try handle("find domain \(uuid)")
        return Domain(taking: try check("find domain \(uuid)", virDomainLookupByUUIDString(conn, uuid)))
    }

    /// Defines a persistent domain from libvirt domain XML.
    @discardableResult
    public func define(xml: String) throws -> Domain {
        let conn = try handle("define domain")
        return Domain(taking: try check("define domain", virDomainDefineXML(conn, xml)))
    }

    /// One bulk call for all domains' stats (the approach virt-top and virt-manager converged on). Drivers
    /// whose bulk stats lack vCPUs, memory and CPU time (libvirt's test driver) are asked for them one domain
    /// at a time: only for the UUIDs in `completing` (all when nil), so a screen showing 40 rows of 1,000
    /// pays for 40. The others keep those fields unset (`isComplete` false).
    public func allDomainStats(completing: Set<String>? = nil) throws -> [DomainStats] {
        let conn = try handle("read domain stats")
        let groups = VIR_DOMAIN_STATS_STATE.rawValue | VIR_DOMAIN_STATS_CPU_TOTAL.rawValue
            | VIR_DOMAIN_STATS_BALLOON.rawValue | VIR_DOMAIN_STATS_VCPU.rawValue
            | VIR_DOMAIN_STATS_INTERFACE.rawValue | VIR_DOMAIN_STATS_BLOCK.rawValue
        var records: UnsafeMutablePointer<UnsafeMutablePointer<virDomainStatsRecord>?>?
        let count = try check("read domain stats", virConnectGetAllDomainStats(conn, groups, &records, 0))
        defer { virDomainStatsRecordListFree(records) }
        var result: [DomainStats] = []
        result.reserveCapacity(Int(count))
        let taken = uuidCache.takeForRefresh(rounds: Self.uuidCacheRounds)
        var uuids = taken.map
        defer { uuidCache.put(back: uuids, generation: taken.generation) }
        for index in 0..<Int(count) {
            guard let record = records?[index]?.pointee, let dom = record.dom else { continue }
            let params = UnsafeBufferPointer(start: record.params, count: Int(record.nparams))
            let name = String(cString: virDomainGetName(dom))
            let uuid = uuids.uuid(at: index, name: name) { uuidString(of: dom) }
            var stats = DomainStats(name: name, uuid: uuid, params: params)
            if stats.vcpuCurrent == nil, completing?.contains(stats.uuid) ?? true { stats.fillGaps(from: dom) }
            result.append(stats)
        }
        return result
    }
}

public struct HypervisorInfo: Sendable, Equatable, Codable {
    public let type: String
    public let version: String
    public let libvirtVersion: String

    public init(type: String, version: String, libvirtVersion: String) {
        self.type = type
        self.version = version
        self.libvirtVersion = libvirtVersion
    }
}

public struct HostInfo: Sendable, Equatable, Codable {
    public let hostname: String
    public let cpuModel: String
    public let cpus: Int
    public let mhz: Int
    public let memoryKiB: UInt64
    public let freeMemoryKiB: UInt64
    /// Free plus reclaimable caches, where the driver reports them.
    public let availableMemoryKiB: UInt64
}

public struct HostCPUTimes: Sendable, Equatable {
    public let kernel, user, idle, iowait: UInt64

    public init(kernel: UInt64, user: UInt64, idle: UInt64, iowait: UInt64) {
        self.kernel = kernel
        self.user = user
        self.idle = idle
        self.iowait = iowait
    }
    public var busy: UInt64 { kernel + user }
    public var total: UInt64 { kernel + user + idle + iowait }
}

/// A fixed-size C char array (libvirt's `field[80]`) as a Swift string.
func fieldName<T>(_ field: T) -> String {
    withUnsafeBytes(of: field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
}

/// The domain's UUID in its usual 8-4-4-4-12 form. Formatted here from the raw 16 bytes: libvirt's own
/// formatting goes through snprintf once per byte, which showed in the refresh profile at 1,000 domains.
func uuidString(of domain: OpaquePointer) -> String {
    var raw = [UInt8](repeating: 0, count: 16)  // VIR_UUID_BUFLEN
    guard virDomainGetUUID(domain, &raw) == 0 else { return "" }
    let digits = Array("0123456789abcdef".utf8)
    return String(unsafeUninitializedCapacity: 36) { out in
        var at = 0
        for (index, byte) in raw.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 {
                out[at] = UInt8(ascii: "-")
                at += 1
            }
            out[at] = digits[Int(byte >> 4)]
            out[at + 1] = digits[Int(byte & 0xf)]
            at += 2
        }
        return at
    }
}

#if canImport(FoundationXML)
import FoundationXML
#endif

extension Connection {
    /// The domain types the hypervisor offers for guests ("kvm", "qemu", "test", ...), from its capabilities.
    public func guestDomainTypes() throws -> [String] {
        let conn = try handle("read capabilities")
        let xml = try check("read capabilities", takeString(virConnectGetCapabilities(conn)))
        let root = try XMLDocument(xmlString: xml, options: []).rootElement()
        let types = (root?.all("guest/arch/domain") ?? []).compactMap { $0.attribute("type") }
        var seen = Set<String>()
        return types.filter { seen.insert($0).inserted }
    }
}

/// See `Connection.uuidCache`.
final class UUIDCache: Sendable {
    /// One refresh's view of the cache. Libvirt lists domains in a stable order, so a name where the last
    /// refresh had it takes that UUID without a lookup; a name elsewhere is looked up; a new one is read.
    struct Map {
        fileprivate var byName: [String: String] = [:]
        fileprivate var lastOrder: [(name: String, uuid: String)] = []
        fileprivate var order: [(name: String, uuid: String)] = []

        mutating func uuid(at position: Int, name: String, read: () -> String) -> String {
            let uuid: String
            if position < lastOrder.count, lastOrder[position].name == name {
                uuid = lastOrder[position].uuid
            } else if let known = byName[name] {
                uuid = known
            } else {
                uuid = read()
                byName[name] = uuid
            }
            order.append((name, uuid))
            return uuid
        }
    }

    /// `generation` counts invalidations, so a refresh that ran across one does not put its stale map back.
    private let state = Mutex<(map: Map, rounds: Int, generation: Int)>((Map(), 0, 0))

    /// The map for one refresh; empty every `rounds` refreshes, so it is rebuilt from libvirt.
    func takeForRefresh(rounds: Int) -> (map: Map, generation: Int) {
        state.withLock { state in
            state.rounds += 1
            if state.rounds >= rounds { (state.map, state.rounds) = (Map(), 0) }
            var map = state.map
            map.order = []
            map.order.reserveCapacity(map.lastOrder.count)
            return (map, state.generation)
        }
    }

    func put(back map: Map, generation: Int) {
        state.withLock { state in
            guard state.generation == generation else { return }
            state.map = map
            state.map.lastOrder = map.order
            state.map.order = []
        }
    }

    /// A domain defined or undefined may come back under its name with another UUID: all are read again.
    func invalidate() {
        state.withLock { state in
            state.map = Map()
            state.generation += 1
        }
    }
}
