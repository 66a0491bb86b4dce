import Inventory

/// A machine's numbers over the session, one sample per refresh, the oldest dropped past `AppState.historyLength`:
/// the detail pane's sparkline shows the last screenful, the chart (h) all of it.
public struct MachineHistory: Sendable {
    public enum Series: CaseIterable, Sendable {
        case cpu, memory, disk, network

        public var title: String {
            switch self {
            case .cpu: "CPU % of one core"
            case .memory: "Memory % of its maximum"
            case .disk: "Disk I/O, bytes/s"
            case .network: "Network I/O, bytes/s"
            }
        }
    }

    /// Samples in a fixed-size ring: appending never moves the others (1,000 machines are appended to per refresh).
    public struct Ring: Sendable {
        private var storage: [Float] = []
        private var next = 0
        let capacity: Int

        init(capacity: Int) { self.capacity = capacity }

        public var count: Int { storage.count }

        mutating func append(_ value: Double) {
            if storage.count < capacity {
                storage.append(Float(value))
            } else {
                storage[next] = Float(value)
                next = (next + 1) % capacity
            }
        }

        /// The newest `limit` samples (all when nil), oldest first.
        public func values(last limit: Int? = nil) -> [Double] {
            let wanted = min(limit ?? storage.count, storage.count)
            let start = (next + storage.count - wanted) % max(1, storage.count)
            return (0..<wanted).map { Double(storage[(start + $0) % storage.count]) }
        }
    }

    public private(set) var cpu: Ring
    public private(set) var memory: Ring
    public private(set) var disk: Ring
    public private(set) var network: Ring

    init(capacity: Int = AppState.historyLength) {
        cpu = Ring(capacity: capacity)
        memory = Ring(capacity: capacity)
        disk = Ring(capacity: capacity)
        network = Ring(capacity: capacity)
    }

    public subscript(series: Series) -> Ring {
        switch series {
        case .cpu: cpu
        case .memory: memory
        case .disk: disk
        case .network: network
        }
    }

    mutating func record(_ rate: MachineRates, _ machine: MachineSample) {
        cpu.append(rate.cpuPercentOfOneCore)
        memory.append(machine.maxMemoryKiB > 0 && machine.state.isActive
                      ? Double(machine.memoryKiB) / Double(machine.maxMemoryKiB) * 100 : 0)
        disk.append(rate.diskReadPerSecond + rate.diskWritePerSecond)
        network.append(rate.netRxPerSecond + rate.netTxPerSecond)
    }
}
