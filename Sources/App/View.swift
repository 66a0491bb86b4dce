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
    Panes.feature(state.focus).draw(&buffer, body, state, theme: theme, glyphs: glyphs)
    drawStatus(&buffer, statusRow, state, theme: theme)
    drawFooter(&buffer, footerRow, state, theme: theme)
    if let modal = state.modal { modal.draw(&buffer, state, theme: theme, glyphs: glyphs) }
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
    if state.watchesSeveralHosts {
        let lost = state.connections.filter { if case .lost = state.links[$0] { true } else { false } }
        let up = state.connections.filter { state.links[$0] == .connected }.count
        notes.append("\(up)/\(state.connections.count) HOSTS UP"
                     + (lost.isEmpty ? "" : ", LOST: " + lost.map(state.hostLabel).joined(separator: " ")))
    } else if case .lost(let message, let retryAt) = state.connection {
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
    // Every tab keeps its number and title: the counts go first when they do not all fit, then only the tab
    // in focus keeps its count, then the long titles give way to short ones, then the gaps between tabs go.
    let room = filterX - rect.x - 1
    /// The first `shortened` panes (in tab order) with their short titles.
    func titles(shortened: Int) -> [(any PaneFeature.Type, String, String)] {
        Panes.all.enumerated().map { index, feature in
            (feature, " \(index + 1) \(index < shortened ? feature.shortTitle : feature.title)",
             feature.count(in: state).map { " (\($0))" } ?? "")
        }
    }
    func width(_ titled: [(any PaneFeature.Type, String, String)], withCounts: Bool, gap: Int = 1) -> Int {
        titled.reduce(0) { $0 + DisplayWidth.of($1.1 + ($1.0.pane == state.focus || withCounts ? $1.2 : "")) + 1 + gap }
    }
    let titled = (0...Panes.all.count).lazy.map(titles(shortened:)).first { width($0, withCounts: false) <= room }
        ?? titles(shortened: Panes.all.count)
    let allCounts = width(titled, withCounts: true) <= room
    let gap = width(titled, withCounts: false) <= room ? 1 : 0
    var x = rect.x + 1
    for (feature, title, count) in titled {
        let focused = state.focus == feature.pane
        let label = title + (allCounts || focused ? count : "") + " "
        x = buffer.write(label, x: x, y: rect.y, style: theme[focused ? .selected : .title], maxX: filterX)
        x += gap
    }
    if !filter.isEmpty {
        buffer.write(filter, x: filterX, y: rect.y, style: theme[.filter], maxX: rect.maxX)
    }
}

/// A per-second figure in a table: blank when the machine or container is not running, "-" before a rate exists.
func rateCell(_ value: Double?, active: Bool) -> String {
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
        hints = modal.hints
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
