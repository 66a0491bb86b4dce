import Foundation
import Inventory

/// Values derived from state (never stored, so they cannot go stale).
extension AppState {
    /// Filters and sorts the machines (ties by name) into `visibleMachines`. Runs once per change of the
    /// snapshot, the filter or the order, never per frame: each machine's sort key is computed once.
    mutating func reindexMachines() {
        let all = snapshot?.machines ?? []
        let needle = filter.lowercased()
        let matching = needle.isEmpty ? all : all.filter { $0.name.lowercased().contains(needle) }
        let descending = sortDescending
        let byName = sort == .name
        var order = Array(matching.indices)
        let keys = matching.map(sortKey)
        order.sort { a, b in
            let (ka, kb) = (keys[a], keys[b])
            if ka.value != kb.value { return descending ? kb.value < ka.value : ka.value < kb.value }
            return byName && descending ? kb.name < ka.name : ka.name < kb.name
        }
        visibleMachines = order.map { matching[$0] }
        machineOrder = MachineOrder(state: self)
    }

    private struct SortKey {
        let value: Double
        let name: String
    }

    private func sortKey(_ machine: MachineSample) -> SortKey {
        let name = machine.name.lowercased()
        let rate = rates[machine.key] ?? .zero
        let value: Double = switch sort {
        case .name: 0
        case .state: Double(machine.state.rawValue)
        case .cpu: rate.cpuPercentOfOneCore
        case .memory: machine.state.isActive ? Double(machine.memoryKiB) : 0
        case .disk: rate.diskReadPerSecond + rate.diskWritePerSecond
        case .network: rate.netRxPerSecond + rate.netTxPerSecond
        case .uptime: uptime(of: machine) ?? -1
        }
        return SortKey(value: value, name: name)
    }

    /// Disk images (virtlab's directory, then the pools), then container images, each matching the filter.
    public var visibleImages: [ImageRow] {
        let needle = filter.lowercased()
        let disks = (snapshot?.images ?? []).sorted { ($0.pool, $0.name) < ($1.pool, $1.name) }.map(ImageRow.disk)
        let containers = (engineSnapshot?.images ?? []).sorted { ($0.tags.first ?? "~") < ($1.tags.first ?? "~") }
            .map(ImageRow.container)
        let all = disks + containers
        return needle.isEmpty ? all : all.filter { $0.name.lowercased().contains(needle) }
    }

    /// Containers that match the filter: running ones first, then by name.
    public var visibleContainers: [ContainerSample] {
        let needle = filter.lowercased()
        let all = engineSnapshot?.containers ?? []
        return (needle.isEmpty ? all : all.filter { $0.name.lowercased().contains(needle) })
            .sorted { ($0.state.isRunning ? 0 : 1, $0.name) < ($1.state.isRunning ? 0 : 1, $1.name) }
    }

    public func selectedContainerIndex(in visible: [ContainerSample]) -> Int? {
        guard !visible.isEmpty else { return nil }
        return visible.firstIndex { $0.key == selectedContainer } ?? 0
    }

    public var selectedContainerSample: ContainerSample? {
        let visible = visibleContainers
        return selectedContainerIndex(in: visible).map { visible[$0] }
    }

    public var selectedMachineSample: MachineSample? {
        let visible = visibleMachines
        return selectedIndex(in: visible).map { visible[$0] }
    }

    /// Where the selected machine is in `visible` (the first row when it is not there).
    public func selectedIndex(in visible: [MachineSample]) -> Int? {
        guard !visible.isEmpty else { return nil }
        return visible.firstIndex { $0.key == selectedMachine } ?? 0
    }

    public var selectedImageIndex: Int? {
        let visible = visibleImages
        guard !visible.isEmpty else { return nil }
        return visible.firstIndex { $0.id == selectedImage } ?? 0
    }

    /// Seconds since the machine started: from the host where it can tell, else since virtlab saw it start.
    public func uptime(of machine: MachineSample) -> Double? {
        guard machine.state.isActive else { return nil }
        if let started = machine.startedAt { return max(0, now - started) }
        return observedStart[machine.key].map { now - $0 }
    }

    /// A machine's CPU use in the chosen mode.
    public func cpuPercent(of key: MachineKey) -> Double? { cpuPercent(rates[key]) }

    /// CPU use in the chosen mode, for a machine's or a container's rates.
    public func cpuPercent(_ rate: MachineRates?) -> Double? {
        guard let rate else { return nil }
        return cpuMode == .oneCore ? rate.cpuPercentOfOneCore : rate.cpuPercentOfHost
    }
}

/// One row of the Images pane: a disk image or a container image.
public enum ImageRow: Sendable, Equatable {
    case disk(ImageSample)
    case container(ContainerImageSample)

    /// Unique within the pane: a disk image's path, a container image's id.
    public var id: String {
        switch self {
        case .disk(let image): image.path
        case .container(let image): image.id
        }
    }

    public var name: String {
        switch self {
        case .disk(let image): image.name
        case .container(let image): image.tags.first ?? "<none> \(image.shortID)"
        }
    }
}
