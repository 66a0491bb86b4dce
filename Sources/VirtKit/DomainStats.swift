import CLibvirt

/// One domain's counters from `virConnectGetAllDomainStats`. Counters are cumulative; rates come from
/// the difference of two samples.
public struct DomainStats: Sendable, Equatable, Codable {
    public var name: String
    public var uuid: String
    public var state: DomainState = .noState
    public var reason: Int32 = 0
    /// Total guest CPU time in nanoseconds, all vCPUs together.
    public var cpuTimeNs: UInt64 = 0
    public var cpuUserNs: UInt64?
    public var cpuSystemNs: UInt64?
    public var vcpuCurrent: Int?
    public var vcpuMaximum: Int?
    /// Memory the balloon gives the guest now, and at most.
    public var balloonCurrentKiB: UInt64?
    public var balloonMaximumKiB: UInt64?
    /// Resident memory of the hypervisor process on the host.
    public var balloonRssKiB: UInt64?
    /// What the guest itself reports as usable (needs a balloon driver in the guest).
    public var balloonUsableKiB: UInt64?
    public var balloonAvailableKiB: UInt64?
    public var disks: [BlockStats] = []
    public var nics: [InterfaceStats] = []

    public struct BlockStats: Sendable, Equatable, Codable {
        public var name: String = ""
        public var path: String?
        public var readBytes: UInt64 = 0
        public var readRequests: UInt64 = 0
        public var writeBytes: UInt64 = 0
        public var writeRequests: UInt64 = 0
        public var capacityBytes: UInt64?
        public var allocationBytes: UInt64?
    }

    public struct InterfaceStats: Sendable, Equatable, Codable {
        public var name: String = ""
        public var rxBytes: UInt64 = 0
        public var rxPackets: UInt64 = 0
        public var txBytes: UInt64 = 0
        public var txPackets: UInt64 = 0
    }

    public init(name: String, uuid: String) {
        self.name = name
        self.uuid = uuid
    }

    init(name: String, uuid: String, params: UnsafeBufferPointer<virTypedParameter>) {
        self.init(name: name, uuid: uuid)
        for param in params { apply(key: fieldName(param.field), param) }
    }

    private mutating func apply(key: String, _ param: virTypedParameter) {
        switch key {
        case "state.state": state = DomainState(libvirt: Int32(truncatingIfNeeded: param.integer))
        case "state.reason": reason = Int32(truncatingIfNeeded: param.integer)
        case "cpu.time": cpuTimeNs = param.integer
        case "cpu.user": cpuUserNs = param.integer
        case "cpu.system": cpuSystemNs = param.integer
        case "vcpu.current": vcpuCurrent = Int(param.integer)
        case "vcpu.maximum": vcpuMaximum = Int(param.integer)
        case "balloon.current": balloonCurrentKiB = param.integer
        case "balloon.maximum": balloonMaximumKiB = param.integer
        case "balloon.rss": balloonRssKiB = param.integer
        case "balloon.usable": balloonUsableKiB = param.integer
        case "balloon.available": balloonAvailableKiB = param.integer
        default:
            if key.hasPrefix("block.") {
                applyIndexed(key.dropFirst(6), param, into: &disks) { disk, field, param in
                    switch field {
                    case "name": disk.name = param.string ?? ""
                    case "path": disk.path = param.string
                    case "rd.bytes": disk.readBytes = param.integer
                    case "rd.reqs": disk.readRequests = param.integer
                    case "wr.bytes": disk.writeBytes = param.integer
                    case "wr.reqs": disk.writeRequests = param.integer
                    case "capacity": disk.capacityBytes = param.integer
                    case "allocation": disk.allocationBytes = param.integer
                    default: break
                    }
                }
            } else if key.hasPrefix("net.") {
                applyIndexed(key.dropFirst(4), param, into: &nics) { nic, field, param in
                    switch field {
                    case "name": nic.name = param.string ?? ""
                    case "rx.bytes": nic.rxBytes = param.integer
                    case "rx.pkts": nic.rxPackets = param.integer
                    case "tx.bytes": nic.txBytes = param.integer
                    case "tx.pkts": nic.txPackets = param.integer
                    default: break
                    }
                }
            }
        }
    }

    /// Some drivers (the test driver among them) return only the state group: take CPU time, memory and
    /// vCPUs from `virDomainGetInfo` so every domain has the numbers a dashboard shows.
    mutating func fillGaps(from domain: OpaquePointer) {
        var info = virDomainInfo()
        guard virDomainGetInfo(domain, &info) == 0 else {
            virResetLastError()
            return
        }
        if cpuTimeNs == 0 { cpuTimeNs = info.cpuTime }
        vcpuCurrent = vcpuCurrent ?? Int(info.nrVirtCpu)
        balloonCurrentKiB = balloonCurrentKiB ?? UInt64(info.memory)
        balloonMaximumKiB = balloonMaximumKiB ?? UInt64(info.maxMem)
    }

    /// Keys like "block.2.rd.bytes": the index picks (and grows) the array slot, the rest names the field.
    private func applyIndexed<Item: DefaultInit>(
        _ rest: Substring, _ param: virTypedParameter, into items: inout [Item],
        _ set: (inout Item, Substring, virTypedParameter) -> Void
    ) {
        guard let dot = rest.firstIndex(of: "."), let index = Int(rest[..<dot]), index >= 0, index < 4096 else {
            return  // "block.count" and the like
        }
        while items.count <= index { items.append(Item()) }
        set(&items[index], rest[rest.index(after: dot)...], param)
    }

    /// Whether vCPUs, memory and CPU time are known (from the bulk call, or asked for one by one).
    public var isComplete: Bool { vcpuCurrent != nil }

    /// Totals across devices, for rates.
    public var diskReadBytes: UInt64 { disks.reduce(0) { $0 &+ $1.readBytes } }
    public var diskWriteBytes: UInt64 { disks.reduce(0) { $0 &+ $1.writeBytes } }
    public var netRxBytes: UInt64 { nics.reduce(0) { $0 &+ $1.rxBytes } }
    public var netTxBytes: UInt64 { nics.reduce(0) { $0 &+ $1.txBytes } }
}

protocol DefaultInit { init() }
extension DomainStats.BlockStats: DefaultInit {}
extension DomainStats.InterfaceStats: DefaultInit {}

extension virTypedParameter {
    /// Any numeric parameter as an unsigned integer (libvirt mixes int, uint, llong and ullong).
    var integer: UInt64 {
        switch Int32(type) {
        case Int32(VIR_TYPED_PARAM_INT.rawValue): return UInt64(truncatingIfNeeded: value.i)
        case Int32(VIR_TYPED_PARAM_UINT.rawValue): return UInt64(value.ui)
        case Int32(VIR_TYPED_PARAM_LLONG.rawValue): return UInt64(truncatingIfNeeded: value.l)
        case Int32(VIR_TYPED_PARAM_ULLONG.rawValue): return value.ul
        case Int32(VIR_TYPED_PARAM_DOUBLE.rawValue): return value.d > 0 ? UInt64(value.d) : 0
        case Int32(VIR_TYPED_PARAM_BOOLEAN.rawValue): return value.b != 0 ? 1 : 0
        default: return 0
        }
    }

    var string: String? {
        guard Int32(type) == Int32(VIR_TYPED_PARAM_STRING.rawValue), let s = value.s else { return nil }
        return String(cString: s)
    }
}
