import Foundation
import Inventory

/// The machines the list shows: the snapshot's own array seen through the filter's and the sort's positions, so
/// a refresh shares the array instead of copying 1,000 samples into a new one.
public struct ShownMachines: RandomAccessCollection, Sendable {
    let all: [MachineSample]
    /// Where each shown machine is in `all` (an unchanged list keeps its order by name).
    let positions: [Int]

    init(all: [MachineSample] = [], positions: [Int] = []) {
        self.all = all
        self.positions = positions
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { positions.count }
    public subscript(index: Int) -> MachineSample { all[positions[index]] }
}

/// Values derived from state (never stored, so they cannot go stale).
extension AppState {
    /// Filters and sorts the machines (ties by name) into `visibleMachines`. Runs once per change of the
    /// snapshot, the filter or the order, never per frame: each machine's sort key is computed once.
    /// `sameMachines`: the snapshot lists the machines of the last one, in the same order, with the same names;
    /// sorted by name under the same filter, the order then stands and only the samples are new.
    mutating func reindexMachines(sameMachines: Bool = false) {
        defer { locateSelectedMachine() }
        let all = allMachines
        if sameMachines, sort == .name, MachineOrder(state: self).sameOrder(as: machineOrder),
           visibleMachines.positions.allSatisfy({ $0 < all.count }) {
            visibleMachines = ShownMachines(all: all, positions: visibleMachines.positions)
            machineOrder = MachineOrder(state: self)
            return
        }
        let needle = filter.lowercased()
        let positions = needle.isEmpty ? Array(all.indices) : all.indices.filter { all[$0].name.lowercased().contains(needle) }
        let descending = sortDescending
        let byName = sort == .name
        let keys = positions.map { sortKey(all[$0]) }
        var order = Array(keys.indices)
        order.sort { a, b in
            let (ka, kb) = (keys[a], keys[b])
            if ka.value != kb.value { return descending ? kb.value < ka.value : ka.value < kb.value }
            return byName && descending ? kb.name < ka.name : ka.name < kb.name
        }
        visibleMachines = ShownMachines(all: all, positions: order.map { positions[$0] })
        machineOrder = MachineOrder(state: self)
    }

    mutating func locateSelectedMachine() {
        guard let selectedMachine else {
            selectedRow = visibleMachines.isEmpty ? nil : 0
            return
        }
        selectedRow = selection(in: visibleMachines) { $0.key == selectedMachine }
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

    /// The machines whose vCPUs, memory and CPU time the next refresh must read, by UUID, on drivers where each
    /// is a call of its own (libvirt's test driver): the rows a screen of `rows` lines can show around the
    /// selection. Nil (all of them) before the first snapshot and when the list is sorted by CPU or memory.
    public func machinesToMeasure(rows: Int) -> Set<String>? {
        guard !snapshots.isEmpty, sort != .cpu, sort != .memory else { return nil }
        let visible = visibleMachines
        guard let selected = selectedRow else { return [] }
        let window = max(0, selected - rows)..<min(visible.count, selected + rows + 1)
        return Set(visible[window].map(\.key.uuid))
    }

    /// Every connection's machines, in connection order (the first connection's own array when there is one).
    public var allMachines: [MachineSample] {
        guard watchesSeveralHosts else { return snapshot?.machines ?? [] }
        return connections.flatMap { snapshots[$0]?.machines ?? [] }
    }

    /// The host a connection is, in a word for the HOST column: "pc01" for qemu+ssh://pc01/system.
    public func hostLabel(_ connection: String) -> String { ConnectionLabel.host(of: connection) }

    public var selectedMachineSample: MachineSample? { selectedRow.map { visibleMachines[$0] } }

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
