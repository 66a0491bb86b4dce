import Inventory
import TermUI

/// The name for a new snapshot of one VM, or the same name on each marked VM.
public struct SnapshotNameDialog: Dialog, Equatable {
    public let targets: [MachineRef]
    var typed = TextField()

    init(_ targets: [MachineRef]) { self.targets = targets }

    public func handle(_ key: Key, in state: inout AppState) -> [Effect] {
        var next = self
        switch key {
        case .escape:
            state.modal = nil
            return []
        case .enter:
            guard !typed.trimmed.isEmpty else { return refuse(&state, "a snapshot needs a name") }
            state.modal = nil
            return [act(.createSnapshot(typed.trimmed), on: targets)]
        default: _ = next.typed.edit(key)
        }
        state.modal = next
        return []
    }

    public var hints: [(String, String)] { [("Enter", "take snapshot"), ("Esc", "cancel")] }

    public func draw(_ buffer: inout Buffer, _ state: AppState, theme: Theme, glyphs: Glyphs) {
        let title = targets.count == 1 ? "Snapshot \(targets[0].name)" : "Snapshot \(targets.count) VMs"
        prompt(&buffer, title: title, lines: ["Name for the new snapshot\(targets.count == 1 ? "" : " (the same on each)"):"],
               typed: typed.text, theme: theme, glyphs: glyphs)
    }
}
