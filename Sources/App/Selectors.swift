import Foundation
import Inventory
import VirtKit

/// Values derived from state (never stored, so they cannot go stale).
extension AppState {
    /// Machines that match the filter, in the chosen order.
    public var visibleMachines: [MachineSample] {
        let all = snapshot?.machines ?? []
        let needle = filter.lowercased()
        let matching = needle.isEmpty ? all : all.filter { $0.name.lowercased().contains(needle) }
        let sorted = matching.sorted { a, b in
            let order = compare(a, b)
            return order == .orderedSame ? a.name < b.name : (order == .orderedAscending) != sortDescending
        }
        return sorted
    }

    public var visibleImages: [ImageSample] {
        let all = snapshot?.images ?? []
        let needle = filter.lowercased()
        return (needle.isEmpty ? all : all.filter { $0.name.lowercased().contains(needle) })
            .sorted { ($0.pool, $0.name) < ($1.pool, $1.name) }
    }

    private func compare(_ a: MachineSample, _ b: MachineSample) -> ComparisonResult {
        func order<T: Comparable>(_ x: T, _ y: T) -> ComparisonResult {
            x < y ? .orderedAscending : x > y ? .orderedDescending : .orderedSame
        }
        let ra = rates[a.key] ?? .zero, rb = rates[b.key] ?? .zero
        switch sort {
        case .name: return order(a.name.lowercased(), b.name.lowercased())
        case .state: return order(a.state.rawValue, b.state.rawValue)
        case .cpu: return order(ra.cpuPercentOfOneCore, rb.cpuPercentOfOneCore)
        case .memory: return order(a.state.isActive ? a.memoryKiB : 0, b.state.isActive ? b.memoryKiB : 0)
        case .disk: return order(ra.diskReadPerSecond + ra.diskWritePerSecond, rb.diskReadPerSecond + rb.diskWritePerSecond)
        case .network: return order(ra.netRxPerSecond + ra.netTxPerSecond, rb.netRxPerSecond + rb.netTxPerSecond)
        case .uptime: return order(uptime(of: a) ?? -1, uptime(of: b) ?? -1)
        }
    }

    public var selectedMachineSample: MachineSample? {
        let visible = visibleMachines
        return visible.first { $0.key == selectedMachine } ?? visible.first
    }

    public var selectedMachineIndex: Int? {
        let visible = visibleMachines
        guard !visible.isEmpty else { return nil }
        return visible.firstIndex { $0.key == selectedMachine } ?? 0
    }

    public var selectedImageIndex: Int? {
        let visible = visibleImages
        guard !visible.isEmpty else { return nil }
        return visible.firstIndex { $0.path == selectedImage } ?? 0
    }

    /// Seconds since the machine started: from the host where it can tell, else since virtlab saw it start.
    public func uptime(of machine: MachineSample) -> Double? {
        guard machine.state.isActive else { return nil }
        if let started = machine.startedAt { return Date().timeIntervalSince(started) }
        return observedStart[machine.key].map { now - $0 }
    }

    /// CPU use in the chosen mode.
    public func cpuPercent(of key: MachineKey) -> Double? {
        guard let rate = rates[key] else { return nil }
        return cpuMode == .oneCore ? rate.cpuPercentOfOneCore : rate.cpuPercentOfHost
    }
}
