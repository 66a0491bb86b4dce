import Humanize
import Inventory
import TermUI

extension Pane {
    public static let machines = Pane("machines")
}

/// Pane 1: the connection's virtual machines, live, with the selected one's details.
enum MachinesPane: PaneFeature {
    static let pane = Pane.machines
    static let title = "Virtual machines"
    static let shortTitle = "VMs"
    static let subject = "virtual machines"

    static func count(in state: AppState) -> Int? {
        guard state.watchesSeveralHosts else { return state.snapshot?.machines.count }
        return state.connections.reduce(0) { $0 + (state.snapshots[$1]?.machines.count ?? 0) }
    }

    static let bindings: [Binding] = [
        key("start", [.character("u")], "start (up)", footer: "start", mutates: true) { request(&$0, .start) },
        key("shutdown", [.character("d")], "shut down (asks)", footer: "stop", mutates: true) { request(&$0, .shutdown) },
        key("reboot", [.character("r")], "reboot (asks)", mutates: true) { request(&$0, .reboot) },
        key("forceOff", [.character("F")], "force off (asks)", mutates: true) { request(&$0, .forceOff) },
        key("pause", [.character("p")], "pause / resume", footer: "pause", mutates: true) { state in
            let paused = state.marked.isEmpty ? state.selectedMachineSample?.state == .paused
                : markedMachines(state).allSatisfy { $0.state == .paused }
            return request(&state, paused ? .resume : .pause)
        },
        key("create", [.character("n")], "new VM: from an installer ISO, a disk, the network or a cloud image",
            footer: "new", mutates: true) {
            $0.modal = NewMachineDialog()
            return []
        },
        key("snapshot", [.character("t")], "take a snapshot (of every marked VM)", mutates: true) { state in
            withTargets(&state) { state, targets in
                state.modal = SnapshotNameDialog(targets)
                return []
            }
        },
        key("revert", [.character("R")], "snapshots: the tree, revert or delete (asks)", footer: "snapshots",
            mutates: true) { state in
            withTargets(&state) { _, targets in [.listSnapshots(targets)] }
        },
        key("delete", [.character("D"), .delete], "delete (type its name, or the number marked)", mutates: true) { state in
            withTargets(&state) { state, targets in
                state.modal = ConfirmDeleteDialog(targets)
                return []
            }
        },
        key("mark", [.character(" ")], "mark / unmark the VM (actions then go to all marked)", footer: "mark") { state in
            guard let machine = state.selectedMachineSample else { return refuse(&state, "no virtual machine selected") }
            if state.marked.removeValue(forKey: machine.key) == nil { state.marked[machine.key] = machine.name }
            return move(&state, by: 1)
        },
        key("markFiltered", [.character("*")], "mark every VM the filter shows (again: unmark them)") { state in
            let shown = state.visibleMachines
            if shown.allSatisfy({ state.marked[$0.key] != nil }) {
                for machine in shown { state.marked[machine.key] = nil }
            } else {
                for machine in shown { state.marked[machine.key] = machine.name }
            }
            setStatus(&state, "\(state.marked.count) marked\(state.marked.isEmpty ? "" : " (Esc unmarks)")", .info)
            return []
        },
        key("hardware", [.character("e")], "edit hardware: vCPUs, memory, autostart, disks, NICs", mutates: true) { state in
            withSelected(&state) { state, machine in HardwareDialog.open(&state, machine) }
        },
        key("autostart", [.character("a")], "autostart on / off", mutates: true) { state in
            withSelected(&state) { state, machine in
                guard let details = state.details[machine.key] else { return refuse(&state, "reading the details of \(machine.name)…") }
                return [.perform(.setAutostart(!details.autostart), machine.key, name: machine.name)]
            }
        },
        key("chart", [.character("h")], "history: CPU, memory, disk and network over the session") { state in
            withSelected(&state) { state, machine in
                state.modal = ChartDialog(machine: MachineRef(machine.key, machine.name))
                return []
            }
        },
        key("console", [.character("c")], "serial console (Ctrl-] leaves)", footer: "console", mutates: true) { state in
            withSelected(&state) { state, machine in
                if let why = OpenConsole.rule.refusal(machine.name, machine.state) { return refuse(&state, why) }
                return [.openConsole(machine.key, name: machine.name)]
            }
        },
        key("clone", [.character("C")], "clone a shut-off VM (Tab: new identity)", mutates: true) { state in
            withSelected(&state) { state, machine in
                if let why = CloneVM.rule.refusal(machine.name, machine.state) { return refuse(&state, why) }
                state.modal = CloneDialog(MachineRef(machine.key, machine.name))
                return []
            }
        },
        key("migrate", [.character("m")], "move to another watched host (live when running; Esc cancels)",
            mutates: true) { state in
            withTargets(&state) { state, targets in MigrateDialog.offer(&state, targets) }
        },
        key("screen", [.character("v")], "the VM's screen as a picture, typing to the guest (Esc closes)") { state in
            withSelected(&state) { state, machine in ScreenDialog.open(&state, MachineRef(machine.key, machine.name)) }
        },
        key("xml", [.character("x")], "domain XML") { state in
            withSelected(&state) { _, machine in [.fetchXML(machine.key, name: machine.name)] }
        },
    ]

    /// Acts on the selected VM, or says there is none.
    private static func withSelected(_ state: inout AppState,
                                     _ body: (inout AppState, MachineSample) -> [Effect]) -> [Effect] {
        guard let machine = state.selectedMachineSample else { return refuse(&state, "no virtual machine selected") }
        return body(&state, machine)
    }

    /// The marked VMs (those still there first, then the vanished ones, which the action reports), or the selected.
    private static func withTargets(_ state: inout AppState, _ body: (inout AppState, [MachineRef]) -> [Effect]) -> [Effect] {
        guard !state.marked.isEmpty else {
            return withSelected(&state) { state, machine in body(&state, [MachineRef(machine.key, machine.name)]) }
        }
        return body(&state, markedMachines(state).map { MachineRef($0.key, $0.name) } + vanishedMarks(state))
    }

    private static func markedMachines(_ state: AppState) -> [MachineSample] {
        state.allMachines.filter { state.marked[$0.key] != nil }.sorted { $0.name < $1.name }
    }

    /// Marked VMs no snapshot lists any more, under the names they had: the action reports each as gone.
    private static func vanishedMarks(_ state: AppState) -> [MachineRef] {
        let present = Set(state.allMachines.map(\.key))
        return state.marked.filter { !present.contains($0.key) }.sorted { $0.key < $1.key }.map { MachineRef($0.key, $0.value) }
    }

    /// An action the table allows goes ahead, after a confirmation when the table warns. With VMs marked, it goes
    /// to each marked VM the table allows it for; the others are named in the confirmation and the Log.
    private static func request(_ state: inout AppState, _ action: MachineAction) -> [Effect] {
        guard !state.marked.isEmpty else {
            return withSelected(&state) { state, machine in
                ask(&state, action.rule, machine.state, machine.name, confirming: .machine(action), machine.key,
                    then: .perform(action, machine.key, name: machine.name))
            }
        }
        var targets: [MachineRef] = [], refused: [MachineRefusal] = []
        for machine in markedMachines(state) {
            let ref = MachineRef(machine.key, machine.name)
            if let why = action.rule.refusal(machine.name, machine.state) {
                refused.append(MachineRefusal(machine: ref, reason: why))
            } else {
                targets.append(ref)
            }
        }
        targets += vanishedMarks(state)
        guard !targets.isEmpty else {
            return refuse(&state, "none of the \(state.marked.count) marked VMs can \(action.rule.verb) now")
        }
        state.modal = ConfirmManyDialog(action: action, targets: targets, refused: refused)
        return []
    }

    static func escape(_ state: inout AppState) -> Bool {
        guard !state.marked.isEmpty else { return false }
        setStatus(&state, "\(state.marked.count) unmarked", .info)
        state.marked = [:]
        return true
    }

    static func move(_ state: inout AppState, by delta: Int) -> [Effect] {
        let visible = state.visibleMachines
        guard let next = row(visible, from: state.selectedRow, by: delta) else { return [] }
        state.selectedMachine = next.key
        return fetchDetailsForSelection(&state)
    }

    static func draw(_ buffer: inout Buffer, _ body: Rect, _ state: AppState, theme: Theme, glyphs: Glyphs) {
        let (list, detail) = listAndDetail(body)
        let machines = state.visibleMachines
        let selected = state.selectedRow
        drawMachines(&buffer, list, state, machines, selected, theme: theme, glyphs: glyphs)
        drawDetailBox(&buffer, detail, selected.map { machines[$0] }, title: \.name, theme: theme, glyphs: glyphs) {
            drawMachineDetail(&$0, $1, $2, state, theme: theme, glyphs: glyphs)
        }
    }
}

private func stateRole(_ state: MachineState) -> Role {
    switch state {
    case .running, .blocked: .stateRunning
    case .paused, .pmSuspended, .shuttingDown: .statePaused
    case .shutOff: .stateOff
    case .crashed: .stateCrashed
    case .noState: .stateOther
    }
}

private func drawMachines(_ buffer: inout Buffer, _ rect: Rect, _ state: AppState, _ machines: ShownMachines,
                          _ selected: Int?, theme: Theme, glyphs: Glyphs) {
    let title = "Virtual machines · sorted by \(state.sort.label) "
        + (state.sortDescending ? glyphs.descending : glyphs.ascending)
        + (state.marked.isEmpty ? "" : " · \(state.marked.count) marked")
    let inner = buffer.pane(rect, title: title, focused: true, theme: theme, glyphs: glyphs)
    if state.snapshots.isEmpty {
        let hosts = state.watchesSeveralHosts ? "\(state.connections.count) hosts" : state.uri
        buffer.write("Connecting to \(hosts)…", x: inner.x + 1, y: inner.y + 1, style: theme[.dim], maxX: inner.maxX)
        return
    }
    if machines.isEmpty {
        let place = state.watchesSeveralHosts ? "the \(state.snapshots.count) hosts connected" : state.uri
        let text = state.filter.isEmpty ? "No virtual machines on \(place)." : "No machine matches '\(state.filter)' (Esc clears)."
        buffer.write(text, x: inner.x + 1, y: inner.y + 1, style: theme[.dim], maxX: inner.maxX)
        return
    }
    let several = state.watchesSeveralHosts
    // The HOST column takes room a narrow terminal does not have: the four I/O columns give way to it.
    let io = !several || inner.width >= 100
    let columns: [TableView.Column] = (several ? [TableView.Column("HOST", width: 10)] : []) + [
        .init("NAME", width: 0), .init("STATE", width: 9), .init("CPU%", width: 6, rightAligned: true),
        .init("MEMORY", width: 11, rightAligned: true),
    ] + (io ? [
        .init("DISK R", width: 6, rightAligned: true), .init("DISK W", width: 6, rightAligned: true),
        .init("NET RX", width: 6, rightAligned: true), .init("NET TX", width: 6, rightAligned: true),
    ] : []) + [.init("UP", width: 6, rightAligned: true)]
    let text = theme[.text]
    TableView(columns: columns, rowCount: machines.count, selected: selected, focused: state.modal == nil) { index in
        let machine = machines[index]
        let rate = state.rates[machine.key]
        let active = machine.state.isActive
        let rateText = { (value: Double?) in rateCell(value, active: active) }
        let memory = active ? "\(Units.compact(Double(machine.memoryKiB) * 1024))/\(Units.compact(Double(machine.maxMemoryKiB) * 1024))"
            : Units.compact(Double(machine.maxMemoryKiB) * 1024)
        let host: [StyledLine.Span] = several ? [hostCell(state, machine.key.connection, theme: theme)] : []
        let rates: [StyledLine.Span] = io ? [
            .init(rateText(rate?.diskReadPerSecond), text), .init(rateText(rate?.diskWritePerSecond), text),
            .init(rateText(rate?.netRxPerSecond), text), .init(rateText(rate?.netTxPerSecond), text),
        ] : []
        let mark = state.marked.isEmpty ? "" : state.marked[machine.key] != nil ? glyphs.mark + " " : "  "
        return host + [
            .init(mark + machine.name + (state.lab(ofMachine: machine.name).map { "  (lab \($0))" } ?? ""), text),
            .init(machine.state.label, theme[stateRole(machine.state)]),
            .init(active ? state.cpuPercent(of: machine.key).map { Units.oneDecimal($0) } ?? "-" : "", text),
            .init(memory, text),
        ] + rates + [.init(state.uptime(of: machine).map { Units.duration(seconds: $0) } ?? (active ? "-" : ""), text)]
    }.draw(into: &buffer, rect: inner, theme: theme)
}

/// A machine's host in the HOST column: a lost host's rows keep their last numbers, and say so here.
private func hostCell(_ state: AppState, _ connection: String, theme: Theme) -> StyledLine.Span {
    if case .lost = state.links[connection] { return .init(state.hostLabel(connection) + " lost", theme[.stateCrashed]) }
    return .init(state.hostLabel(connection), theme[.dim])
}

private func drawMachineDetail(_ buffer: inout Buffer, _ rect: Rect, _ machine: MachineSample, _ state: AppState,
                               theme: Theme, glyphs: Glyphs) {
    let area = rect.inset(left: 1)
    let label = theme[.dim], text = theme[.text]
    var y = area.y
    func line(_ spans: [StyledLine.Span]) {
        guard y < area.maxY else { return }
        buffer.textLines([StyledLine(spans)], in: Rect(x: area.x, y: y, width: area.width, height: 1))
        y += 1
    }
    let details = state.details[machine.key]
    let reason = machine.reason
    let uptime = state.uptime(of: machine).map { "  up \(Units.duration(seconds: $0))" } ?? ""
    line([.init(machine.state.label, theme[stateRole(machine.state)]), .init(reason == "unknown" ? "" : " (\(reason))", label),
          .init(uptime, text), .init("  vCPUs ", label), .init("\(machine.vcpus)", text),
          .init(details.map { "  \($0.hypervisorType)/\($0.osType)" } ?? "", label)])
    line([.init("UUID ", label), .init(machine.key.uuid, text)])
    if let lab = state.lab(ofMachine: machine.name) {
        line([.init("Lab  ", label), .init("made by \(lab)'s environment", text), .init(" · 4: the lab, r resets it", label)])
    }
    if let move = state.migrating, move.vms.contains(machine.key) {
        // The figures first and the destination under them: a URI with a socket path is long enough to push the
        // figures out of a narrow pane. Several VMs' figures say whose they are; this VM's need not.
        let figures = move.figures.hasPrefix(machine.name + ": ") ? String(move.figures.dropFirst(machine.name.count + 2)) : move.figures
        line([.init("MOVE ", label), .init(figures, theme[.statusWarning]), .init(" · Esc cancels", label)])
        line([.init("  to ", label), .init(move.destination, text)])
    }
    let gaugeWidth = max(4, min(30, area.width - 30))
    if y < area.maxY {
        buffer.write("CPU  ", x: area.x, y: y, style: label)
        let recent = state.history[machine.key]?.cpu.values(last: gaugeWidth) ?? []
        buffer.sparkline(recent, x: area.x + 5, y: y, width: gaugeWidth, ceiling: max(100, recent.max() ?? 100),
                         theme: theme, glyphs: glyphs)
        let cpu = state.cpuPercent(of: machine.key).map { Units.percent($0) } ?? "-"
        buffer.write(" \(cpu)", x: area.x + 5 + gaugeWidth, y: y, style: text, maxX: area.maxX)
        y += 1
    }
    if y < area.maxY {
        buffer.write("MEM  ", x: area.x, y: y, style: label)
        let used = machine.state.isActive ? machine.memoryKiB : 0
        buffer.gauge(x: area.x + 5, y: y, width: gaugeWidth,
                     fraction: machine.maxMemoryKiB > 0 ? Double(used) / Double(machine.maxMemoryKiB) : 0,
                     theme: theme, glyphs: glyphs)
        buffer.write(" \(Units.kibibytes(used)) / \(Units.kibibytes(machine.maxMemoryKiB))", x: area.x + 5 + gaugeWidth,
                     y: y, style: text, maxX: area.maxX)
        y += 1
    }
    guard let details else {
        line([.init("reading details…", label)])
        return
    }
    let devices = state.deviceCounters.flatMap { $0.key == machine.key ? $0 : nil }
    let rates = devices.flatMap { counters in counters.previous.map { counters.latest.rates(since: $0) } }
    for disk in details.disks {
        // The numbers before the path: a long path is what a narrow box cuts.
        let io = rates?.disks[disk.target].map { "R \(Units.rate($0.read)) W \(Units.rate($0.write)) " } ?? ""
        line([.init("DISK ", label), .init("\(disk.target) \(disk.device) \(disk.format ?? "-") ", text), .init(io, text),
              .init(disk.source ?? "(empty)", label)])
    }
    // libvirt names a NIC's counters by its host-side device (vnet0), listed in the NICs' order.
    let nicNames = devices?.latest.nics.map(\.name) ?? []
    for (index, nic) in details.nics.enumerated() {
        let io = (index < nicNames.count ? rates?.nics[nicNames[index]] : nil)
            .map { "RX \(Units.rate($0.rx)) TX \(Units.rate($0.tx)) " } ?? ""
        line([.init("NIC  ", label), .init("\(nic.mac) \(nic.type)\(nic.source.map { ":\($0)" } ?? "") ", text), .init(io, text),
              .init(nic.addresses.joined(separator: " "), label)])
    }
    for device in details.hostDevices { line([.init("HOST ", label), .init("\(device) (passed through)", text)]) }
    guard let guest = details.guest else {
        if machine.state.isActive { line([.init("GUEST no agent answers (is qemu-guest-agent running?)", label)]) }
        return
    }
    line([.init("GUEST ", label), .init([guest.os, guest.kernel.map { "kernel \($0)" }].compactMap { $0 }.joined(separator: ", "), text)])
    line([.init("      ", label), .init("host \(guest.hostname ?? "-")  tz \(guest.timezone ?? "-")  users ", text),
          .init(guest.users.isEmpty ? "none" : guest.users.joined(separator: ", "), text)])
    for fs in guest.fileSystems {
        let use = fs.totalBytes.map { total in "\(Units.bytes(Double(fs.usedBytes ?? 0))) of \(Units.bytes(Double(total)))" } ?? ""
        line([.init("FS    ", label), .init("\(fs.mountpoint) \(fs.type) \(use)", text)])
    }
    for iface in guest.interfaces {
        line([.init("IF    ", label), .init("\(iface.name) \(iface.addresses.joined(separator: " "))", text)])
    }
}
