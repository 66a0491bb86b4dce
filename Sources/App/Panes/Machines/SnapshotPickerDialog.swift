import Humanize
import Inventory
import TermUI

/// One VM's snapshots as a tree (revert or delete), or the names every marked VM has (revert).
public struct SnapshotPickerDialog: Dialog, Equatable {
    public let targets: [MachineRef]
    public let snapshots: [SnapshotNode]
    public var selected: Int

    public func handle(_ key: Key, in state: inout AppState) -> [Effect] {
        let rows = SnapshotTree.rows(snapshots)
        var next = self
        switch key {
        case .escape, .character("q"):
            state.modal = nil
            return []
        case .up, .character("k"): next.selected = max(0, selected - 1)
        case .down, .character("j"): next.selected = min(rows.count - 1, selected + 1)
        case .enter:
            state.modal = confirmation(.revertSnapshot(rows[selected].node.name), targets)
            return []
        case .character("D"), .delete:
            guard targets.count == 1 else { return refuse(&state, "delete snapshots one VM at a time") }
            state.modal = ConfirmDialog(action: .machine(.deleteSnapshot(rows[selected].node.name)), key: targets[0].key,
                                        name: targets[0].name)
            return []
        default: break
        }
        state.modal = next
        return []
    }

    public var hints: [(String, String)] { [("↑↓", "choose"), ("Enter", "revert"), ("D", "delete"), ("Esc", "cancel")] }

    public func draw(_ buffer: inout Buffer, _ state: AppState, theme: Theme, glyphs: Glyphs) {
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
    }
}
