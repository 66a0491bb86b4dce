import Inventory
import TermUI

/// One action for every marked VM: the ones it applies to, and those it leaves out (and why).
public struct ConfirmManyDialog: Dialog, Equatable {
    public let action: MachineAction
    public let targets: [MachineRef]
    public let refused: [MachineRefusal]

    public func handle(_ key: Key, in state: inout AppState) -> [Effect] {
        switch key {
        case .character("y"), .character("Y"):
            state.modal = nil
            return [.performMany(action, targets, refused: refused)]
        case .character("n"), .character("N"), .escape, .character("q"):
            state.modal = nil
            setStatus(&state, "\(action.verb) \(targets.count) VMs: cancelled", .info)
        default: break
        }
        return []
    }

    public var hints: [(String, String)] { [("y", "yes"), ("n/Esc", "no")] }

    public func draw(_ buffer: inout Buffer, _ state: AppState, theme: Theme, glyphs: Glyphs) {
        var lines = ["\(action.verb.prefix(1).uppercased() + action.verb.dropFirst()): these \(targets.count) VMs?",
                     "  " + listed(targets.map(\.name), width: buffer.size.width - 12)]
        if !refused.isEmpty {
            lines.append("Left out (\(refused.count)): " + listed(refused.map(\.machine.name), width: buffer.size.width - 30))
        }
        if let warning = action.rule.warning { lines.append(warning) }
        lines += ["Same as, for each: " + action.command(for: "NAME"), "", "y  yes        n  no"]
        dialog(&buffer, title: "Confirm", lines: lines, theme: theme, glyphs: glyphs)
    }
}

/// The dialog that asks before `action` on `targets`: one VM's, or the marked VMs'.
func confirmation(_ action: MachineAction, _ targets: [MachineRef]) -> any Dialog {
    targets.count == 1 ? ConfirmDialog(action: .machine(action), key: targets[0].key, name: targets[0].name)
        : ConfirmManyDialog(action: action, targets: targets, refused: [])
}
