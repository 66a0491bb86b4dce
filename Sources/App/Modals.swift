import Humanize
import Inventory
import TermUI

func drawModal(_ buffer: inout Buffer, _ modal: Modal, _ state: AppState, theme: Theme, glyphs: Glyphs) {
    switch modal {
    case .confirm(let action, _, let name):
        var lines = ["\(action.verb.prefix(1).uppercased() + action.verb.dropFirst()) \(name)?"]
        if let warning = action.warning { lines.append(warning) }
        lines += ["Same as: " + action.command(for: name), "", "y  yes        n  no"]
        dialog(&buffer, title: "Confirm", lines: lines, theme: theme, glyphs: glyphs)
    case .confirmMany(let action, let targets, let refused):
        let names = targets.map(\.name)
        var lines = ["\(action.verb.prefix(1).uppercased() + action.verb.dropFirst()): these \(targets.count) VMs?",
                     "  " + listed(names, width: buffer.size.width - 12)]
        if !refused.isEmpty { lines.append("Left out (\(refused.count)): " + listed(refused.map(\.machine.name), width: buffer.size.width - 30)) }
        if let warning = action.kind.rule.warning { lines.append(warning) }
        lines += ["Same as, for each: " + action.command(for: "NAME"), "", "y  yes        n  no"]
        dialog(&buffer, title: "Confirm", lines: lines, theme: theme, glyphs: glyphs)
    case .confirmDelete(let targets, let typed, let removeStorage):
        let one = targets.count == 1
        prompt(&buffer, title: one ? "Delete \(targets[0].name)" : "Delete \(targets.count) VMs", lines: (one ? [] : [
            "  " + listed(targets.map(\.name), width: buffer.size.width - 12),
        ]) + [
            MachineVerb.delete.rule.warning ?? "",
            "\(removeStorage ? "[x]" : "[ ]") also delete \(one ? "its" : "their") disks in storage pools (Tab)",
            one ? "Type its name to confirm:" : "Type \(targets.count) (how many) to confirm:",
        ], typed: typed, theme: theme, glyphs: glyphs)
    case .snapshotName(let targets, let typed):
        let title = targets.count == 1 ? "Snapshot \(targets[0].name)" : "Snapshot \(targets.count) VMs"
        prompt(&buffer, title: title, lines: ["Name for the new snapshot\(targets.count == 1 ? "" : " (the same on each)"):"],
               typed: typed, theme: theme, glyphs: glyphs)
    case .hardware(let machine, let form):
        drawForm(&buffer, title: "Hardware of \(machine.name)",
                 intro: "Live where the hypervisor allows, else from the next boot.", form,
                 hint: "Tab/↑↓ field   Enter apply   Esc cancel", theme: theme, glyphs: glyphs)
    case .chart(let machine):
        drawChart(&buffer, machine, state, theme: theme, glyphs: glyphs)
    case .launch(let launch):
        drawForm(&buffer, title: "Launch a VM from \(launch.imageName)",
                 intro: "An overlay on the image (never written), cloud-init with your key.", launch.form,
                 hint: "Tab/↑↓ field   Enter create and start   Esc cancel", theme: theme, glyphs: glyphs)
    case .createNetwork(let form):
        drawForm(&buffer, title: "New virtual network",
                 intro: "Mode: isolated (host-only), nat, route or open. Leave the subnet empty for none.", form,
                 hint: "Tab/↑↓ field   Enter define   Esc cancel", theme: theme, glyphs: glyphs)
    case .cloneName(_, let name, let typed, let sanitize):
        prompt(&buffer, title: "Clone \(name)", lines: [
            "New UUID, new MACs, disks of its own.",
            "\(sanitize ? "[x]" : "[ ]") new identity: machine-id, SSH host keys, cloud-init (Tab)",
            "Name of the clone:",
        ], typed: typed, theme: theme, glyphs: glyphs)
    case .snapshotPicker(let targets, let snapshots, let selected):
        let rows = SnapshotTree.rows(snapshots, ascii: glyphs == .ascii)
        let height = min(rows.count, max(1, buffer.size.height - 10))
        let one = targets.count == 1
        let selectedNode = rows[min(selected, rows.count - 1)].node
        let footer = one ? ["", "* current   Enter revert   D delete: " + selectedNode.deletionEffect(in: snapshots)]
            : ["", "Snapshot names all \(targets.count) marked VMs have.   Enter revert each"]
        let area = dialog(&buffer, title: one ? "Snapshots of \(targets[0].name)" : "Revert \(targets.count) VMs to",
                          lines: Array(repeating: "", count: height) + footer, minWidth: 60, theme: theme, glyphs: glyphs)
        let offset = TableView.scrollOffset(selected: selected, count: rows.count, height: height)
        for (index, row) in rows.enumerated().dropFirst(offset).prefix(height) {
            let y = area.y + index - offset
            let node = row.node
            let when = node.created.map { "  " + Units.timestamp($0) } ?? ""
            let kind = one ? "  \(node.isExternal ? "external" : "internal"), \(node.state)\(when)" : ""
            buffer.write(" \(row.prefix)\(node.name)\(node.isCurrent ? " *" : "")\(kind)", x: area.x, y: y,
                         style: theme[.modal], maxX: area.maxX)
            if index == selected {
                buffer.restyle(Rect(x: area.x, y: y, width: area.width, height: 1)) { _ in theme[.selected] }
            }
        }
    case .text(let title, let lines, let offset):
        scrollingText(&buffer, title: title, lines: lines.map { StyledLine($0, theme[.modal]) }, offset: offset,
                      theme: theme, glyphs: glyphs)
    case .help(let offset):
        scrollingText(&buffer, title: "Keys", lines: helpLines(state, theme: theme), offset: offset, theme: theme,
                      glyphs: glyphs)
    }
}

/// Names in one line, cut with "and N more" where they do not fit.
private func listed(_ names: [String], width: Int) -> String {
    var shown: [String] = []
    for (index, name) in names.enumerated() {
        let rest = names.count - index - 1
        let candidate = (shown + [name]).joined(separator: ", ") + (rest > 0 ? ", and \(rest) more" : "")
        guard DisplayWidth.of(candidate) <= max(20, width) || shown.isEmpty else {
            return shown.joined(separator: ", ") + ", and \(names.count - shown.count) more"
        }
        shown.append(name)
    }
    return shown.joined(separator: ", ")
}

/// The history chart (h): CPU, memory, disk and network of one VM over the session, one band each.
private func drawChart(_ buffer: inout Buffer, _ machine: MachineRef, _ state: AppState, theme: Theme, glyphs: Glyphs) {
    let rect = buffer.bounds.centered(width: buffer.size.width - 4, height: buffer.size.height - 4)
    let inner = framed(&buffer, rect, title: "History of \(machine.name)", theme: theme, glyphs: glyphs)
    guard let history = state.history[machine.key], history.cpu.count > 0 else {
        buffer.write(" No samples yet: the history grows with each refresh while virtlab runs.", x: inner.x, y: inner.y,
                     style: theme[.modal], maxX: inner.maxX)
        return
    }
    let samples = history.cpu.count
    let span = Units.duration(seconds: Double(samples) * state.refreshInterval)
    buffer.write(" \(samples) samples, about \(span) at one per \(formatSeconds(state.refreshInterval)) "
                 + "(kept for the session, the last \(AppState.historyLength))", x: inner.x, y: inner.y, style: theme[.dim],
                 maxX: inner.maxX)
    let band = max(2, (inner.height - 1) / MachineHistory.Series.allCases.count)
    for (index, series) in MachineHistory.Series.allCases.enumerated() {
        let top = inner.y + 1 + index * band
        guard top + 1 < inner.maxY else { break }
        let values = history[series].values()
        let peak = values.max() ?? 0
        let percent = series == .cpu || series == .memory
        // Memory against its whole; the rest against their own peak, so an idle guest's CPU still shows its shape.
        let ceiling = series == .memory ? 100 : max(peak, 1)
        let said = { (value: Double) in percent ? Units.percent(value) : Units.rate(value) }
        buffer.write(" \(series.title): now \(said(values.last ?? 0)), peak \(said(peak)), scale \(said(ceiling))",
                     x: inner.x, y: top, style: theme[.title], maxX: inner.maxX)
        buffer.barChart(values, in: Rect(x: inner.x + 1, y: top + 1, width: inner.width - 2,
                                         height: min(band - 1, inner.maxY - top - 1)),
                        ceiling: ceiling, theme: theme, glyphs: glyphs)
    }
}

/// The help screen, built from the key map: the keys that work anywhere, then each pane's under its name
/// and number, and a note on the keys a read-only connection hides.
func helpLines(_ state: AppState, theme: Theme) -> [StyledLine] {
    func lines(_ bindings: [Binding]) -> [StyledLine] {
        bindings.map { binding in
            let keys = binding.keys.map(\.label).joined(separator: " ")
            var summary = binding.summary
            if binding.mutates && state.readOnly { summary += "  (not on a read-only connection)" }
            return StyledLine([.init(DisplayWidth.fit(keys, to: 10) + " ", theme[.helpKey]),
                               .init(summary, theme[binding.mutates && state.readOnly ? .dim : .help])])
        }
    }
    var help = lines(Keymap.global + Keymap.last)
    for (index, feature) in Panes.all.enumerated() where !feature.bindings.isEmpty {
        help += [StyledLine("", theme[.help]), StyledLine("\(feature.title) (\(index + 1))", theme[.title])]
        help += lines(feature.bindings)
    }
    help.append(StyledLine("", theme[.help]))
    help += ["In the filter (/): type to narrow by name, Enter keeps it, Esc clears it.",
             "In dialogs: y/n to confirm, Esc cancels; delete asks you to type the VM's name.",
             "Start with --theme NAME, --delay SECONDS, --read-only, --uri URI; NO_COLOR is honoured."]
        .map { StyledLine($0, theme[.help]) }
    return help
}

/// A form: its intro line, one row per field (label, then the value, the one in focus marked), and a hint.
private func drawForm(_ buffer: inout Buffer, title: String, intro: String, _ form: Form, hint: String, theme: Theme,
                      glyphs: Glyphs) {
    let labelWidth = (form.labels.map { DisplayWidth.of($0) }.max() ?? 0) + 2
    let area = dialog(&buffer, title: title, lines: [intro] + form.labels + ["", hint], minWidth: 60, theme: theme,
                      glyphs: glyphs)
    for (row, value) in form.values.enumerated() {
        let x = area.x + 1 + labelWidth, y = area.y + 1 + row
        let focused = form.focus == row
        let style = theme[focused ? .input : .modal]
        buffer.fill(Rect(x: x, y: y, width: area.maxX - x - 1, height: 1), style: style)
        let text = value + (focused ? "_" : "")
        buffer.write(String(text.suffix(max(0, area.maxX - x - 2))), x: x, y: y, style: style, maxX: area.maxX - 1)
    }
}

@discardableResult
private func dialog(_ buffer: inout Buffer, title: String, lines: [String], minWidth: Int = 30, theme: Theme,
                    glyphs: Glyphs) -> Rect {
    let width = min(buffer.size.width - 4, max(minWidth, (lines.map { DisplayWidth.of($0) }.max() ?? 0) + 4,
                                               DisplayWidth.of(title) + 8))
    let rect = buffer.bounds.centered(width: width, height: lines.count + 2)
    let inner = framed(&buffer, rect, title: title, theme: theme, glyphs: glyphs)
    for (row, line) in lines.enumerated() {
        buffer.write(" " + line, x: inner.x, y: inner.y + row, style: theme[.modal], maxX: inner.maxX)
    }
    return inner
}

private func framed(_ buffer: inout Buffer, _ rect: Rect, title: String, theme: Theme, glyphs: Glyphs) -> Rect {
    let inner = buffer.pane(rect, title: title, focused: true, theme: theme, glyphs: glyphs)
    buffer.restyle(rect) { _ in theme[.modalBorder] }
    buffer.fill(inner, style: theme[.modal])
    return inner
}

/// A dialog whose last line is a text field holding `typed`.
private func prompt(_ buffer: inout Buffer, title: String, lines: [String], typed: String, theme: Theme,
                    glyphs: Glyphs) {
    let area = dialog(&buffer, title: title, lines: lines + [""], theme: theme, glyphs: glyphs)
    input(&buffer, typed, x: area.x + 1, y: area.maxY - 1, width: area.width - 2, theme: theme)
}

private func input(_ buffer: inout Buffer, _ text: String, x: Int, y: Int, width: Int, theme: Theme) {
    buffer.fill(Rect(x: x, y: y, width: width, height: 1), style: theme[.input])
    let shown = String(text.suffix(max(0, width - 2)))
    buffer.write(shown + "_", x: x, y: y, style: theme[.input], maxX: x + width)
}

private func scrollingText(_ buffer: inout Buffer, title: String, lines: [StyledLine], offset: Int, theme: Theme,
                           glyphs: Glyphs) {
    let rect = buffer.bounds.centered(width: buffer.size.width - 4, height: buffer.size.height - 4)
    let inner = framed(&buffer, rect, title: title, theme: theme, glyphs: glyphs)
    let maxOffset = max(0, lines.count - inner.height)
    let shownOffset = min(offset, maxOffset)
    buffer.textLines(lines, in: inner.inset(left: 1), offset: shownOffset)
    if lines.count > inner.height {
        let position = " \(shownOffset + 1)-\(min(lines.count, shownOffset + inner.height)) of \(lines.count) "
        buffer.write(position, x: rect.maxX - DisplayWidth.of(position) - 2, y: rect.maxY - 1, style: theme[.modalBorder])
    }
}
