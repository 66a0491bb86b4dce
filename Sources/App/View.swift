import Foundation
import Humanize
import Inventory
import TermUI

/// The smallest terminal the dashboard draws in; below it, a notice says so until the window grows.
public let minimumSize = Size(width: 60, height: 15)

/// Everything on screen is drawn from state by this function: no terminal, no I/O.
public func view(_ state: AppState, size: Size, theme: Theme, glyphs: Glyphs) -> Buffer {
    var buffer = Buffer(size: size, fill: Cell(" ", theme[.text]))
    guard size.width >= minimumSize.width, size.height >= minimumSize.height else {
        drawTooSmall(&buffer, theme: theme)
        return buffer
    }
    let (header, rest) = buffer.bounds.splitTop(1)
    let (tabs, belowTabs) = rest.splitTop(1)
    let (body, bottom) = belowTabs.splitBottom(2)
    let (statusRow, footerRow) = bottom.splitTop(1)

    drawHeader(&buffer, header, state, theme: theme)
    drawTabs(&buffer, tabs, state, theme: theme)
    let (listArea, detailArea): (Rect, Rect)
    if body.width >= 140 {
        (listArea, detailArea) = body.splitLeft(body.width * 3 / 5)
    } else {
        let detailHeight = min(10, max(6, body.height * 2 / 5))
        (listArea, detailArea) = body.splitBottom(detailHeight)
    }
    // Filtering and sorting happen once per frame; every part below reads this list.
    let machines = state.focus == .machines ? state.visibleMachines : []
    let selected = state.selectedIndex(in: machines)
    if state.focus == .labs, let lab = state.openedLab, let open = state.openLab {
        drawOpenLab(&buffer, body, state, lab, open, theme: theme, glyphs: glyphs)
    }
    switch state.openLab == nil ? state.focus : nil {
    case nil: break
    case .labs?: drawLabList(&buffer, listArea, state, theme: theme, glyphs: glyphs)
    case .machines?: drawMachines(&buffer, listArea, state, machines, selected, theme: theme, glyphs: glyphs)
    case .containers?:
        let containers = state.visibleContainers
        drawContainers(&buffer, listArea, state, containers, state.selectedContainerIndex(in: containers),
                       theme: theme, glyphs: glyphs)
    case .images?: drawImages(&buffer, listArea, state, theme: theme, glyphs: glyphs)
    }
    if state.focus != .labs || state.openLab == nil {
        drawDetail(&buffer, detailArea, state, selected.map { machines[$0] }, theme: theme, glyphs: glyphs)
    }
    drawStatus(&buffer, statusRow, state, theme: theme)
    drawFooter(&buffer, footerRow, state, theme: theme)
    if let modal = state.modal { drawModal(&buffer, modal, state, theme: theme, glyphs: glyphs) }
    return buffer
}

private func drawTooSmall(_ buffer: inout Buffer, theme: Theme) {
    let lines = ["Terminal too small: \(buffer.size.width)x\(buffer.size.height)",
                 "virtlab needs \(minimumSize.width)x\(minimumSize.height).", "Enlarge it, or q to quit."]
    for (row, line) in lines.enumerated() where row < buffer.size.height {
        let text = DisplayWidth.truncate(line, to: buffer.size.width)
        let x = max(0, (buffer.size.width - DisplayWidth.of(text)) / 2)
        let y = max(0, (buffer.size.height - lines.count) / 2) + row
        buffer.write(text, x: x, y: y, style: theme[row == 0 ? .statusWarning : .text])
    }
}

private func drawHeader(_ buffer: inout Buffer, _ rect: Rect, _ state: AppState, theme: Theme) {
    buffer.fill(rect, style: theme[.header])
    // The left part names where we are; it sheds detail (version, then host name) before it is ever cut.
    var lefts = [" virtlab │ \(state.uri) "]
    var right = ""
    if let snapshot = state.snapshot {
        let hypervisor = "\(snapshot.hypervisor.type) \(snapshot.hypervisor.version)"
        lefts = [" virtlab │ \(snapshot.host.hostname) │ \(state.uri) (\(hypervisor)) ",
                 " virtlab │ \(snapshot.host.hostname) │ \(state.uri) ", " virtlab │ \(state.uri) "]
        let used = snapshot.host.memoryKiB - min(snapshot.host.memoryKiB, snapshot.host.availableMemoryKiB)
        right = "CPU \(state.hostCPUPercent.map { Units.percent($0) } ?? "-") MEM "
            + "\(Units.compact(Double(used) * 1024))/\(Units.compact(Double(snapshot.host.memoryKiB) * 1024)) │ "
    }
    right += "VM% of \(state.cpuMode == .oneCore ? "1 core" : "host") │ \(formatSeconds(state.refreshInterval)) "
    var notes: [String] = []
    if case .lost(let message, let retryAt) = state.connection {
        let seconds = max(0, Int((retryAt - state.now).rounded(.up)))
        notes.append("CONNECTION LOST: \(message); retry in \(seconds)s")
    }
    if state.isDemo { notes.append("DEMO HYPERVISOR") }
    if state.readOnly { notes.append("READ-ONLY") }
    // Notes matter most, then the numbers, then the names: each part yields room to the ones before it.
    let noteText = notes.map { " \($0) " }.joined()
    let noteWidth = min(DisplayWidth.of(noteText), rect.width)
    let rightWidth = min(DisplayWidth.of(right), max(0, rect.width - noteWidth))
    let room = rect.width - noteWidth - rightWidth
    let left = lefts.first { DisplayWidth.of($0) <= room } ?? lefts[lefts.count - 1]
    buffer.write(DisplayWidth.of(left) <= room ? left : DisplayWidth.truncate(left, to: room - 1) + " ", x: rect.x,
                 y: rect.y, style: theme[.header], maxX: rect.x + room)
    buffer.write(DisplayWidth.truncate(right, to: rightWidth), x: rect.maxX - noteWidth - rightWidth, y: rect.y,
                 style: theme[.header])
    buffer.write(DisplayWidth.truncate(noteText, to: noteWidth), x: rect.maxX - noteWidth, y: rect.y,
                 style: theme[.headerNote])
}

private func drawTabs(_ buffer: inout Buffer, _ rect: Rect, _ state: AppState, theme: Theme) {
    // The filter being typed must stay visible: it takes the right end, and the tabs give way.
    let filter = state.editingFilter || !state.filter.isEmpty
        ? " filter: \(state.filter)\(state.editingFilter ? "_" : "") " : ""
    let filterX = max(rect.x, rect.maxX - DisplayWidth.of(filter))
    var x = rect.x + 1
    for pane in Pane.allCases {
        let count: String = switch pane {
        case .machines: state.snapshot.map { " (\($0.machines.count))" } ?? ""
        case .containers: state.engineSnapshot.map { " (\($0.containers.count))" } ?? ""
        case .images: state.snapshot.map { " (\($0.images.count + (state.engineSnapshot?.images.count ?? 0)))" } ?? ""
        case .labs: " (\(state.labs.count))"
        }
        let label = " \(pane.rawValue + 1) \(pane.title)\(count) "
        x = buffer.write(label, x: x, y: rect.y, style: theme[state.focus == pane ? .selected : .title], maxX: filterX)
        x += 1
    }
    if !filter.isEmpty {
        buffer.write(filter, x: filterX, y: rect.y, style: theme[.filter], maxX: rect.maxX)
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

private func drawMachines(_ buffer: inout Buffer, _ rect: Rect, _ state: AppState, _ machines: [MachineSample],
                          _ selected: Int?, theme: Theme, glyphs: Glyphs) {
    let title = "Virtual machines · sorted by \(state.sort.label) "
        + (state.sortDescending ? glyphs.descending : glyphs.ascending)
    let inner = buffer.pane(rect, title: title, focused: true, theme: theme, glyphs: glyphs)
    if state.snapshot == nil {
        buffer.write("Connecting to \(state.uri)…", x: inner.x + 1, y: inner.y + 1, style: theme[.dim], maxX: inner.maxX)
        return
    }
    if machines.isEmpty {
        let text = state.filter.isEmpty ? "No virtual machines on \(state.uri)." : "No machine matches '\(state.filter)' (Esc clears)."
        buffer.write(text, x: inner.x + 1, y: inner.y + 1, style: theme[.dim], maxX: inner.maxX)
        return
    }
    let columns: [TableView.Column] = [
        .init("NAME", width: 0), .init("STATE", width: 9), .init("CPU%", width: 6, rightAligned: true),
        .init("MEMORY", width: 11, rightAligned: true), .init("DISK R", width: 6, rightAligned: true),
        .init("DISK W", width: 6, rightAligned: true), .init("NET RX", width: 6, rightAligned: true),
        .init("NET TX", width: 6, rightAligned: true), .init("UP", width: 6, rightAligned: true),
    ]
    let text = theme[.text]
    TableView(columns: columns, rowCount: machines.count, selected: selected, focused: state.modal == nil) { index in
        let machine = machines[index]
        let rate = state.rates[machine.key]
        let active = machine.state.isActive
        let rateText = { (value: Double?) in rateCell(value, active: active) }
        let memory = active ? "\(Units.compact(Double(machine.memoryKiB) * 1024))/\(Units.compact(Double(machine.maxMemoryKiB) * 1024))"
            : Units.compact(Double(machine.maxMemoryKiB) * 1024)
        return [
            .init(machine.name, text), .init(machine.state.label, theme[stateRole(machine.state)]),
            .init(active ? state.cpuPercent(of: machine.key).map { Units.oneDecimal($0) } ?? "-" : "", text),
            .init(memory, text),
            .init(rateText(rate?.diskReadPerSecond), text), .init(rateText(rate?.diskWritePerSecond), text),
            .init(rateText(rate?.netRxPerSecond), text), .init(rateText(rate?.netTxPerSecond), text),
            .init(state.uptime(of: machine).map { Units.duration(seconds: $0) } ?? (active ? "-" : ""), text),
        ]
    }.draw(into: &buffer, rect: inner, theme: theme)
}

private func containerStateRole(_ state: ContainerRunState) -> Role {
    switch state {
    case .running: .stateRunning
    case .paused, .restarting, .stopping, .removing: .statePaused
    case .created, .exited: .stateOff
    case .dead: .stateCrashed
    case .unknown: .stateOther
    }
}

private func drawContainers(_ buffer: inout Buffer, _ rect: Rect, _ state: AppState, _ containers: [ContainerSample],
                            _ selected: Int?, theme: Theme, glyphs: Glyphs) {
    let engine = state.engineSnapshot.map { " · \($0.engine.product) \($0.engine.version)" } ?? ""
    let inner = buffer.pane(rect, title: "Containers\(engine)", focused: true, theme: theme, glyphs: glyphs)
    let message: (String, Role)? = switch state.engine {
    case .connecting: ("Looking for a container engine…", .dim)
    case .unavailable(let why): (why, .statusWarning)
    case .connected where containers.isEmpty:
        (state.filter.isEmpty ? "No containers on \(state.engineSnapshot?.endpoint ?? "the engine")."
            : "No container matches '\(state.filter)' (Esc clears).", .dim)
    case .connected: nil
    }
    if let (text, role) = message {
        buffer.textLines(wrap(text, width: inner.width - 2).map { StyledLine($0, theme[role]) },
                         in: Rect(x: inner.x + 1, y: inner.y + 1, width: inner.width - 2, height: inner.height - 1))
        return
    }
    let columns: [TableView.Column] = [
        .init("NAME", width: 0), .init("STATE", width: 9), .init("IMAGE", width: 0),
        .init("CPU%", width: 6, rightAligned: true), .init("MEMORY", width: 7, rightAligned: true),
        .init("NET RX", width: 6, rightAligned: true), .init("NET TX", width: 6, rightAligned: true),
        .init("BLK R", width: 6, rightAligned: true), .init("BLK W", width: 6, rightAligned: true),
    ]
    let text = theme[.text]
    TableView(columns: columns, rowCount: containers.count, selected: selected, focused: state.modal == nil) { index in
        let container = containers[index]
        let rate = state.containerRates[container.key]
        let active = container.state.isRunning
        let rateText = { (value: Double?) in rateCell(value, active: active) }
        let cpu = state.cpuPercent(rate)
        return [
            .init(container.name, text), .init(container.state.rawValue, theme[containerStateRole(container.state)]),
            .init(container.image, theme[.dim]),
            .init(active ? cpu.map { Units.oneDecimal($0) } ?? "-" : "", text),
            .init(active ? container.usage.map { Units.compact(Double($0.memoryBytes)) } ?? "-" : "", text),
            .init(rateText(rate?.netRxPerSecond), text), .init(rateText(rate?.netTxPerSecond), text),
            .init(rateText(rate?.diskReadPerSecond), text), .init(rateText(rate?.diskWritePerSecond), text),
        ]
    }.draw(into: &buffer, rect: inner, theme: theme)
}

/// A per-second figure in a table: blank when the machine or container is not running, "-" before a rate exists.
private func rateCell(_ value: Double?, active: Bool) -> String {
    active ? value.map { Units.compact($0) } ?? "-" : ""
}

/// Splits a message into lines of at most `width` cells at spaces.
func wrap(_ text: String, width: Int) -> [String] {
    guard width > 0 else { return [] }
    var lines: [String] = []
    var line = ""
    for word in text.split(separator: " ") {
        if !line.isEmpty, DisplayWidth.of(line) + 1 + DisplayWidth.of(String(word)) > width {
            lines.append(line)
            line = ""
        }
        line += (line.isEmpty ? "" : " ") + word
    }
    if !line.isEmpty { lines.append(line) }
    return lines
}

private func drawImages(_ buffer: inout Buffer, _ rect: Rect, _ state: AppState, theme: Theme, glyphs: Glyphs) {
    let inner = buffer.pane(rect, title: "Images · disk and container", focused: true, theme: theme, glyphs: glyphs)
    let images = state.visibleImages
    guard !images.isEmpty else {
        buffer.write(state.snapshot == nil ? "Connecting…"
                     : "No disk images (virtlab image import FILE adds one) and no container images.",
                     x: inner.x + 1, y: inner.y + 1, style: theme[.dim], maxX: inner.maxX)
        return
    }
    let text = theme[.text]
    let columns: [TableView.Column] = [.init("NAME", width: 0), .init("SOURCE", width: 10), .init("FORMAT", width: 9),
                                       .init("SIZE", width: 6, rightAligned: true),
                                       .init("ON DISK", width: 7, rightAligned: true), .init("BACKING", width: 0)]
    TableView(columns: columns, rowCount: images.count, selected: state.selectedImageIndex,
              focused: state.modal == nil) { index in
        switch images[index] {
        case .disk(let image):
            return [.init(image.name, text), .init(image.pool, text), .init(image.format ?? "-", text),
                    .init(Units.compact(Double(image.capacityBytes)), text),
                    .init(Units.compact(Double(image.allocationBytes)), text),
                    .init(image.backingStore ?? "", theme[.dim])]
        case .container(let image):
            return [.init(images[index].name, text), .init("engine", text), .init("container", text),
                    .init(Units.compact(Double(image.sizeBytes)), text), .init("", text),
                    .init("", theme[.dim])]
        }
    }.draw(into: &buffer, rect: inner, theme: theme)
}

private func drawDetail(_ buffer: inout Buffer, _ rect: Rect, _ state: AppState, _ selectedMachine: MachineSample?,
                        theme: Theme, glyphs: Glyphs) {
    switch state.focus {
    case .machines:
        guard let machine = selectedMachine else {
            buffer.pane(rect, title: "Details", focused: false, theme: theme, glyphs: glyphs)
            return
        }
        let inner = buffer.pane(rect, title: machine.name, focused: false, theme: theme, glyphs: glyphs)
        drawMachineDetail(&buffer, inner, machine, state, theme: theme, glyphs: glyphs)
    case .images:
        let inner = buffer.pane(rect, title: "Image", focused: false, theme: theme, glyphs: glyphs)
        guard let index = state.selectedImageIndex else { return }
        let lines: [String]
        switch state.visibleImages[index] {
        case .disk(let image):
            lines = ["Path     \(image.path)", "Source   \(image.pool)", "Format   \(image.format ?? "unknown")",
                     "Size     \(Units.bytes(Double(image.capacityBytes))) virtual, \(Units.bytes(Double(image.allocationBytes))) on disk",
                     "Backing  \(image.backingStore ?? "none")"]
        case .container(let image):
            lines = ["Tags     \(image.tags.isEmpty ? "none (dangling)" : image.tags.joined(separator: ", "))",
                     "Id       \(image.shortID)", "Size     \(Units.bytes(Double(image.sizeBytes)))",
                     "Created  \(Units.timestamp(image.created))"]
        }
        buffer.textLines(lines.map { StyledLine($0, theme[.text]) }, in: inner.inset(left: 1))
    case .labs: drawLabDetail(&buffer, rect, state, theme: theme, glyphs: glyphs)
    case .containers:
        guard let container = state.selectedContainerSample else {
            buffer.pane(rect, title: "Details", focused: false, theme: theme, glyphs: glyphs)
            return
        }
        let inner = buffer.pane(rect, title: container.name, focused: false, theme: theme, glyphs: glyphs)
        drawContainerDetail(&buffer, inner, container, state, theme: theme, glyphs: glyphs)
    }
}

private func drawContainerDetail(_ buffer: inout Buffer, _ rect: Rect, _ container: ContainerSample,
                                 _ state: AppState, theme: Theme, glyphs: Glyphs) {
    let area = rect.inset(left: 1)
    let label = theme[.dim], text = theme[.text]
    let summary = container
    var lines = [
        StyledLine([.init(summary.state.rawValue, theme[containerStateRole(summary.state)]),
                    .init("  \(summary.status)", label)]),
        StyledLine([.init("ID    ", label), .init(String(summary.id.prefix(12)), text),
                    .init("  created \(Units.timestamp(summary.created))", label)]),
        StyledLine([.init("IMAGE ", label), .init(summary.image, text)]),
        StyledLine([.init("CMD   ", label), .init(summary.command, text)]),
        StyledLine([.init("PORTS ", label),
                    .init(summary.ports.isEmpty ? "none" : summary.ports.joined(separator: ", "), text)]),
    ]
    if let stats = container.usage {
        let limit = stats.memoryLimitBytes > 0 ? " of \(Units.bytes(Double(stats.memoryLimitBytes)))" : ""
        lines.append(StyledLine([.init("MEM   ", label), .init("\(Units.bytes(Double(stats.memoryBytes)))\(limit)", text)]))
    }
    buffer.textLines(lines, in: area)
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
    let gaugeWidth = max(4, min(30, area.width - 30))
    if y < area.maxY {
        buffer.write("CPU  ", x: area.x, y: y, style: label)
        buffer.sparkline(state.cpuHistory[machine.key] ?? [], x: area.x + 5, y: y, width: gaugeWidth,
                         ceiling: max(100, (state.cpuHistory[machine.key] ?? []).max() ?? 100), theme: theme, glyphs: glyphs)
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
    for disk in details.disks {
        line([.init("DISK ", label), .init("\(disk.target) \(disk.device) \(disk.format ?? "-") ", text),
              .init(disk.source ?? "(empty)", label)])
    }
    for nic in details.nics {
        line([.init("NIC  ", label), .init("\(nic.mac) \(nic.type)\(nic.source.map { ":\($0)" } ?? "") ", text),
              .init(nic.addresses.joined(separator: " "), label)])
    }
}

private func drawStatus(_ buffer: inout Buffer, _ rect: Rect, _ state: AppState, theme: Theme) {
    guard let status = state.status else { return }
    let role: Role = switch status.level {
    case .info: .statusInfo
    case .warning: .statusWarning
    case .error: .statusError
    }
    buffer.write(" " + DisplayWidth.truncate(status.text, to: rect.width - 2) + " ", x: rect.x, y: rect.y,
                 style: theme[role], maxX: rect.maxX)
}

private func drawFooter(_ buffer: inout Buffer, _ rect: Rect, _ state: AppState, theme: Theme) {
    var hints: [(String, String)]
    var pinned: [(String, String)] = []
    if state.editingFilter {
        hints = [("Enter", "keep filter"), ("Esc", "clear"), ("Bksp", "delete")]
    } else if let modal = state.modal {
        hints = switch modal {
        case .confirm: [("y", "yes"), ("n/Esc", "no")]
        case .confirmDelete: [("Enter", "delete"), ("Tab", "storage too?"), ("Esc", "cancel")]
        case .snapshotName: [("Enter", "take snapshot"), ("Esc", "cancel")]
        case .cloneName: [("Enter", "clone"), ("Tab", "new identity?"), ("Esc", "cancel")]
        case .launch: [("Enter", "create and start"), ("Tab", "next field"), ("Esc", "cancel")]
        case .snapshotPicker: [("↑↓", "choose"), ("Enter", "revert"), ("Esc", "cancel")]
        case .text, .help: [("↑↓ PgUp PgDn", "scroll"), ("q/Esc", "close")]
        }
    } else {
        // Help and quit always fit: they are drawn first, at the right edge.
        let shown = Keymap.applicable(state).compactMap { binding in binding.footer.map { (binding.keys[0].label, $0) } }
        pinned = shown.filter { ["help", "quit"].contains($0.1) }
        hints = [("Tab", "pane")] + shown.filter { !["help", "quit"].contains($0.1) }
    }
    let width = { (hint: (String, String)) in DisplayWidth.of(hint.0) + DisplayWidth.of(hint.1) + 4 }
    var right = rect.maxX - pinned.reduce(0) { $0 + width($1) }
    var x = right
    for hint in pinned { x = drawHint(&buffer, hint, x: x, y: rect.y, maxX: rect.maxX, theme: theme) }
    x = rect.x
    right = min(right, rect.maxX)
    for hint in hints {
        guard x + width(hint) <= right else { break }
        x = drawHint(&buffer, hint, x: x, y: rect.y, maxX: right, theme: theme)
    }
}

private func drawHint(_ buffer: inout Buffer, _ hint: (String, String), x: Int, y: Int, maxX: Int, theme: Theme) -> Int {
    let next = buffer.write(" \(hint.0) ", x: x, y: y, style: theme[.footerKey], maxX: maxX)
    return buffer.write(" \(hint.1) ", x: next, y: y, style: theme[.footerText], maxX: maxX)
}

extension Rect {
    func inset(left: Int) -> Rect { Rect(x: x + left, y: y, width: width - left, height: height) }
}
