import Inventory
import TermUI

/// Delete asks the user to type the machine's name (the number of VMs, when several are marked); Tab also
/// deletes their disks in storage pools.
public struct ConfirmDeleteDialog: Dialog, Equatable {
    public let targets: [MachineRef]
    var typed = TextField(limit: 256)
    public var removeStorage = false

    init(_ targets: [MachineRef]) { self.targets = targets }

    /// What must be typed: the VM's name, or how many VMs.
    var expected: String { targets.count == 1 ? targets[0].name : "\(targets.count)" }

    public func handle(_ key: Key, in state: inout AppState) -> [Effect] {
        var next = self
        switch key {
        case .escape:
            state.modal = nil
            setStatus(&state, "delete \(expected): cancelled", .info)
            return []
        case .enter:
            guard typed.text == expected else {
                let what = targets.count == 1 ? "the name exactly (\(expected))" : "the number of VMs (\(expected))"
                return refuse(&state, "type \(what) to delete")
            }
            state.modal = nil
            return [act(.delete(removeStorage: removeStorage), on: targets)]
        case .tab: next.removeStorage.toggle()
        default: _ = next.typed.edit(key)
        }
        state.modal = next
        return []
    }

    public var hints: [(String, String)] { [("Enter", "delete"), ("Tab", "storage too?"), ("Esc", "cancel")] }

    public func draw(_ buffer: inout Buffer, _ state: AppState, theme: Theme, glyphs: Glyphs) {
        let one = targets.count == 1
        prompt(&buffer, title: one ? "Delete \(targets[0].name)" : "Delete \(targets.count) VMs", lines: (one ? [] : [
            "  " + listed(targets.map(\.name), width: buffer.size.width - 12),
        ]) + [
            DeleteVM.rule.warning ?? "",
            "\(removeStorage ? "[x]" : "[ ]") also delete \(one ? "its" : "their") disks in storage pools (Tab)",
            one ? "Type its name to confirm:" : "Type \(targets.count) (how many) to confirm:",
        ], typed: typed.text, theme: theme, glyphs: glyphs)
    }
}
