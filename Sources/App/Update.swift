import Foundation
import Inventory
import TermUI

/// The whole behaviour of the dashboard: a message changes the state and may ask for effects.
/// Pure: no I/O, so every key sequence is testable without a terminal or a hypervisor.
public func update(_ state: inout AppState, _ message: Message) -> [Effect] {
    let focusBefore = state.focus
    let effects = route(&state, message)
    if MachineOrder(state: state) != state.machineOrder { state.reindexMachines() }
    return effects + dueWork(&state, focusBefore: focusBefore)
}

private func route(_ state: inout AppState, _ message: Message) -> [Effect] {
    switch message {
    case .key(let key):
        return handleKey(&state, key)
    case .tick(let now):
        state.now = now
        if let status = state.status, status.expiresAt <= now { state.status = nil }
        guard var screen = state.modal as? ScreenDialog else { return [] }
        let effects = screen.ask(now: now)
        state.modal = screen
        return effects
    case .screen(let key, let picture, let problem):
        guard var screen = state.modal as? ScreenDialog, screen.machine.key == key else { return [] }
        screen.received(picture, problem: problem)
        state.modal = screen
        return []
    case .snapshot(let snapshot):
        let first = state.snapshot == nil
        let effects = absorb(&state, snapshot)
        return first && state.snapshot != nil ? effects + readEveryEnvironment(state) : effects
    case .engineSnapshot(let snapshot):
        if let previous = state.engineSnapshot {
            state.containerRates = Rates.between(previous, snapshot, cores: state.snapshot?.host.cpus ?? 1)
        }
        state.engineSnapshot = snapshot
        state.engine = .connected
        return []
    case .engineUnavailable(let text):
        state.engine = .unavailable(text)
        state.engineSnapshot = nil
        state.containerRates = [:]
        return []
    case .refreshFailed(let text):
        setStatus(&state, text, .error)
        return []
    case .refreshDone(let connection):
        state.schedule.links[connection]?.refreshInFlight = false
        return []
    case .connectionFailed(let connection, let reason):
        connectionFailed(&state, connection, reason)
        return []
    case .reconnected(let connection):
        state.schedule.links[connection]?.connectInFlight = false
        state.schedule.links[connection]?.retryIn = state.schedule.backoff.first
        let wasLost = (state.links[connection] ?? .connecting) != .connecting
        state.links[connection] = .connected
        // A routine notice must not hide an error the user has not had time to read (e.g. a refused theme).
        if state.status?.level != .error {
            let name = state.watchesSeveralHosts ? state.hostLabel(connection) : connection
            setStatus(&state, "\(wasLost ? "reconnected" : "connected") to \(name)", .info)
        }
        return refreshNow(&state)
    case .classGraded(let board, let students):
        if let students { state.grading.subtract(students) } else { state.grading = [] }
        return route(&state, .classLoaded(board))
    case .classLoaded(let board):
        classRead(&state)
        state.classBoard = board
        state.classProblem = nil
        if state.selectedStudent == nil || !board.students.contains(where: { $0.id == state.selectedStudent }) {
            state.selectedStudent = board.students.first?.id
        }
        state.selectedLabColumn = min(state.selectedLabColumn, max(0, board.labs.count - 1))
        return []
    case .classFailed(let text):
        classRead(&state)
        state.classProblem = text
        state.grading = []
        setStatus(&state, text, .error)
        return []
    case .machineEvent(let event):
        return absorb(&state, event)
    case .details(let key, let details):
        state.details[key] = details
        state.detailsFetchedAt[key] = state.now
        return []
    case .hostDevices(let connection, let rows):
        state.hostDevices[connection] = rows
        return []
    case .actionFinished(let text):
        setStatus(&state, text, .info)
        return refreshNow(&state)
    case .actionFailed(let text):
        setStatus(&state, text, .error)
        return refreshNow(&state)
    case .migrationProgress(let text):
        guard state.migrating != nil else { return [] }
        state.migrating?.figures = text
        setStatus(&state, text + "  (Esc cancels)", .info)
        return []
    case .migrationEnded(let text, let failed):
        state.migrating = nil
        setStatus(&state, text, failed ? .error : .info)
        return refreshNow(&state)
    case .manyPerformed(let action, let total, let failed, let refused):
        let summary = "\(action.verb): \(total - failed.count) of \(total + refused) VMs done"
        if failed.isEmpty && refused == 0 { return route(&state, .actionFinished(summary)) }
        let problems = (failed.isEmpty ? [] : ["failed: " + failed.joined(separator: ", ")])
            + (refused == 0 ? [] : ["left out: \(refused)"])
        return route(&state, .actionFailed(summary + "; " + problems.joined(separator: "; ")
                                           + " (the Log, \(Pane.log.number), says why)"))
    case .snapshotsListed(let targets, let trees):
        // Several VMs: the names all of them have, as flat entries (their trees differ).
        let snapshots = trees.count == 1 ? trees[0] : (trees.first ?? []).filter { node in
            trees.dropFirst().allSatisfy { tree in tree.contains { $0.name == node.name } }
        }.map {
            SnapshotNode(name: $0.name, parent: nil, isCurrent: false, isExternal: $0.isExternal, state: $0.state,
                         created: nil, description: nil)
        }
        if snapshots.isEmpty {
            let who = targets.count == 1 ? "\(targets[0].name) has no snapshots" : "the \(targets.count) marked VMs have no snapshot name in common"
            setStatus(&state, "\(who): press n to take one", .warning)
        } else {
            let current = SnapshotTree.rows(snapshots).firstIndex { $0.node.isCurrent } ?? snapshots.count - 1
            state.modal = SnapshotPickerDialog(targets: targets, snapshots: snapshots, selected: current)
        }
        return []
    case .logged(let record):
        state.actionLog.append(record)
        if state.actionLog.count > AppState.actionLogLength {
            state.actionLog.removeFirst(state.actionLog.count - AppState.actionLogLength)
        }
        return []
    case .devices(let key, let counters):
        let previous = state.deviceCounters.flatMap { $0.key == key ? $0.latest : nil }
        state.deviceCounters = (key, previous, counters)
        return []
    case .document(let title, let text):
        state.modal = TextDialog(title: title, text: text)
        return []
    case .themeChanged(let name):
        state.themeName = name
        setStatus(&state, "theme: \(name)", .info)
        return []
    case .setupRefused(let text):
        setStatus(&state, text, .error)
        return []
    case .labsLoaded, .labStarted, .labChecked, .labFailed, .labAnswered:
        return absorbLab(&state, message)
    case .labEnvironment, .labEnvironmentPlanned, .labEnvironmentChanged:
        return absorbLabEnvironment(&state, message)
    }
}

func setStatus(_ state: inout AppState, _ text: String, _ level: StatusMessage.Level) {
    let lifetime: Double = level == .error ? 10 : 5
    state.status = StatusMessage(text: text, level: level, expiresAt: state.now + lifetime)
}

private func absorb(_ state: inout AppState, _ snapshot: InventorySnapshot) -> [Effect] {
    let connection = snapshot.connection
    let previous = state.snapshots[connection]
    let sameMachines = previous.map { sameList($0.machines, snapshot.machines) } ?? false
    let several = state.watchesSeveralHosts
    if let previous {
        let rates = Rates.between(previous, snapshot)
        state.rates = several ? state.rates.filter { $0.key.connection != connection }.merging(rates) { $1 } : rates
        if connection == state.uri {
            state.hostCPUPercent = Rates.hostCPUPercent(previous, snapshot) ?? state.hostCPUPercent
        }
        // By index, reading fields in place: copying 1,000 samples per loop showed in the refresh profile.
        let (machines, before) = (snapshot.machines, previous.machines)
        let activeBefore = sameMachines ? nil : Set(before.filter { $0.state.isActive }.map(\.key))
        for position in machines.indices where machines[position].state.isActive {
            if activeBefore == nil && before[position].state.isActive { continue }
            let key = machines[position].key
            if activeBefore?.contains(key) == true || state.observedStart[key] != nil { continue }
            state.observedStart[key] = state.now
        }
    }
    // Only a measured, running machine has a rate: the others cost no lookup.
    let machines = snapshot.machines
    for position in machines.indices where machines[position].countersMeasured && machines[position].state.isActive {
        guard let rate = state.rates[machines[position].key] else { continue }
        state.history[machines[position].key, default: MachineHistory()].record(rate, machines[position])
    }
    // Forget what belongs to this connection's machines that are gone, so memory does not grow with churn.
    if !sameMachines {
        let present = Set(snapshot.machines.map(\.key))
        let kept = { (key: MachineKey) in key.connection != connection || present.contains(key) }
        state.history = state.history.filter { kept($0.key) }
        state.details = state.details.filter { kept($0.key) }
        state.detailsFetchedAt = state.detailsFetchedAt.filter { kept($0.key) }
        state.observedStart = state.observedStart.filter { kept($0.key) }
    }
    let previousSelection = state.selectedMachineSample.map { (key: $0.key, state: $0.state) }
    state.snapshots[connection] = snapshot
    state.links[connection] = .connected
    state.machinesGeneration += 1
    // With several hosts the list interleaves them: one host's list standing still is not the whole list's.
    state.reindexMachines(sameMachines: sameMachines && !several)
    // Details are an XML parse per fetch: fetched again when they are missing, the machine changed state, or
    // they are older than their lifetime (short while the guest boots, when its addresses arrive).
    guard let selected = state.selectedMachineSample else { return [] }
    let booting = state.uptime(of: selected).map { $0 < AppState.bootSeconds } ?? false
    let lifetime = booting ? AppState.detailsLifetime : AppState.settledDetailsLifetime
    let fresh = state.detailsFetchedAt[selected.key].map { state.now - $0 < lifetime } ?? false
    let changed = previousSelection.map { $0.key != selected.key || $0.state != selected.state } ?? true
    if state.details[selected.key] != nil && fresh && !changed { return [] }
    return fetchDetailsForSelection(&state)
}

/// The same machines in the same order, under the same names: the usual case from one refresh to the next.
private func sameList(_ a: [MachineSample], _ b: [MachineSample]) -> Bool {
    a.count == b.count && a.indices.allSatisfy { a[$0].key == b[$0].key && a[$0].name == b[$0].name }
}

/// A lifecycle event updates the machine's state at once, between refreshes, and asks for fresh numbers.
private func absorb(_ state: inout AppState, _ event: MachineEvent) -> [Effect] {
    let key = event.key
    if let newState = event.impliedState, let snapshot = state.snapshots[key.connection],
       let index = snapshot.machines.firstIndex(where: { $0.key == key }) {
        let old = snapshot.machines[index]
        var machines = snapshot.machines
        machines[index] = MachineSample(key: old.key, name: old.name, state: newState, vcpus: old.vcpus,
                                        memoryKiB: old.memoryKiB, maxMemoryKiB: old.maxMemoryKiB,
                                        usableMemoryKiB: old.usableMemoryKiB, cpuTimeNs: old.cpuTimeNs,
                                        diskReadBytes: old.diskReadBytes, diskWriteBytes: old.diskWriteBytes,
                                        netRxBytes: old.netRxBytes, netTxBytes: old.netTxBytes,
                                        startedAt: newState.isActive ? old.startedAt : nil)
        if event.change == .started { state.observedStart[key] = state.now }
        state.snapshots[key.connection] = InventorySnapshot(connection: snapshot.connection, hypervisor: snapshot.hypervisor,
                                           time: snapshot.time, host: snapshot.host, machines: machines,
                                           images: snapshot.images, networks: snapshot.networks)
        state.machinesGeneration += 1
    }
    return refreshNow(&state)
}

func fetchDetailsForSelection(_ state: inout AppState) -> [Effect] {
    guard state.focus == .machines, let machine = state.selectedMachineSample else { return [] }
    state.detailsFetchedAt[machine.key] = state.now
    return [.fetchDetails(machine.key)]
}

// MARK: - Keys

private func handleKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    if state.modal != nil { return handleModalKey(&state, key) }
    if state.editingFilter { return handleFilterKey(&state, key) }
    if key == .escape {
        if state.migrating != nil {
            setStatus(&state, "cancelling the migration…", .warning)
            return [.cancelMigration]
        }
        if Panes.feature(state.focus).escape(&state) { return [] }
        if !state.filter.isEmpty {
            state.filter = ""
            setStatus(&state, "filter cleared", .info)
        }
        return []
    }
    guard let binding = Keymap.binding(for: key, in: state.focus) else {
        setStatus(&state, "\(key.label): not a key here (press ? for every key)", .warning)
        return []
    }
    if binding.mutates && state.readOnly {
        setStatus(&state, "read-only connection: \(binding.summary) is not available", .warning)
        return []
    }
    if !binding.works(in: state.focus) {
        setStatus(&state, "\(binding.summary) \(Keymap.hint(for: key))", .warning)
        return []
    }
    return binding.perform(&state)
}

// MARK: - Global commands (the key map binds them)

func sortNext(_ state: inout AppState) -> [Effect] {
    state.sort = MachineSort(rawValue: (state.sort.rawValue + 1) % MachineSort.allCases.count)!
    state.sortDescending = [.cpu, .memory, .disk, .network, .uptime].contains(state.sort)
    setStatus(&state, "sorted by \(state.sort.label)\(state.sortDescending ? ", largest first" : "")", .info)
    return []
}

func sortReverse(_ state: inout AppState) -> [Effect] {
    state.sortDescending.toggle()
    setStatus(&state, "sorted by \(state.sort.label), \(state.sortDescending ? "descending" : "ascending")", .info)
    return []
}

func toggleCPUMode(_ state: inout AppState) -> [Effect] {
    state.cpuMode = state.cpuMode == .oneCore ? .host : .oneCore
    setStatus(&state, state.cpuMode == .oneCore ? "CPU% of one core (100% = one core busy)"
              : "CPU% of the host (100% = all cores busy)", .info)
    return []
}

func changeRefresh(_ state: inout AppState, by factor: Double) -> [Effect] {
    state.refreshInterval = min(max(state.refreshInterval * factor, AppState.refreshBounds.lowerBound),
                                AppState.refreshBounds.upperBound)
    setStatus(&state, "refresh every \(formatSeconds(state.refreshInterval))", .info)
    return []
}

/// An action the table allows from `current` goes ahead, after a confirmation when the table warns;
/// otherwise the table's refusal is the status line.
func ask<S>(_ state: inout AppState, _ rule: ActionRule<S>, _ current: S, _ name: String,
            confirming pending: PendingAction, _ key: MachineKey, then effect: Effect) -> [Effect] {
    if let why = rule.refusal(name, current) { return refuse(&state, why) }
    guard rule.warning == nil else {
        state.modal = ConfirmDialog(action: pending, key: key, name: name)
        return []
    }
    return [effect]
}

func refuse(_ state: inout AppState, _ text: String) -> [Effect] {
    setStatus(&state, text, .warning)
    return []
}

func focus(_ state: inout AppState, _ pane: Pane) -> [Effect] {
    state.focus = pane
    return Panes.feature(pane).entered(&state) + fetchDetailsForSelection(&state)
}

func move(_ state: inout AppState, by delta: Int) -> [Effect] {
    Panes.feature(state.focus).move(&state, by: delta)
}

private func handleFilterKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    switch key {
    case .enter:
        state.editingFilter = false
    case .escape:
        state.editingFilter = false
        state.filter = ""
    case .backspace:
        if !state.filter.isEmpty { state.filter.removeLast() }
    case .character(let c) where state.filter.count < 64:
        state.filter.append(c)
    case .control("c"):
        state.quitRequested = true
        return [.quit]
    default:
        break
    }
    return fetchDetailsForSelection(&state)
}

private func handleModalKey(_ state: inout AppState, _ key: Key) -> [Effect] {
    guard let modal = state.modal else { return [] }
    if key == .control("c") {
        state.quitRequested = true
        return [.quit]
    }
    return modal.handle(key, in: &state)
}

/// The effect of one action on one VM, or on several marked ones.
func act(_ action: MachineAction, on targets: [MachineRef]) -> Effect {
    targets.count == 1 ? .perform(action, targets[0].key, name: targets[0].name) : .performMany(action, targets, refused: [])
}


/// What the user types to delete: the VM's name, or the number of marked VMs.


func formatSeconds(_ seconds: Double) -> String {
    seconds < 1 ? "\(Int((seconds * 1000).rounded())) ms"
        : seconds == seconds.rounded() ? "\(Int(seconds)) s" : String(format: "%.1f s", seconds)
}

/// The class board's read ended: the next one in `Schedule.classReloadSeconds`.
private func classRead(_ state: inout AppState) {
    guard state.schedule.classInFlight else { return }
    state.schedule.classInFlight = false
    state.schedule.nextClassReloadAt = state.now + Schedule.classReloadSeconds
}
