import Inventory
import TermUI

/// "Shut down web1?": an action the table warns about, with its warning and the command that does the same.
public struct ConfirmDialog: Dialog, Equatable {
    public let action: PendingAction
    public let key: MachineKey
    public let name: String

    public func handle(_ key: Key, in state: inout AppState) -> [Effect] {
        switch key {
        case .character("y"), .character("Y"):
            state.modal = nil
            switch action {
            case .machine(let action): return [.perform(action, self.key, name: name)]
            case .container(let action): return [.performOnContainer(action, self.key, name: name)]
            case .network(let action): return [.performOnNetwork(action, name: name)]
            }
        case .character("n"), .character("N"), .escape, .character("q"):
            state.modal = nil
            setStatus(&state, "\(action.verb) \(name): cancelled", .info)
        default: break
        }
        return []
    }

    public var hints: [(String, String)] { [("y", "yes"), ("n/Esc", "no")] }

    public func draw(_ buffer: inout Buffer, _ state: AppState, theme: Theme, glyphs: Glyphs) {
        var lines = ["\(action.verb.prefix(1).uppercased() + action.verb.dropFirst()) \(name)?"]
        if let warning = action.warning { lines.append(warning) }
        lines += ["Same as: " + action.command(for: name), "", "y  yes        n  no"]
        dialog(&buffer, title: "Confirm", lines: lines, theme: theme, glyphs: glyphs)
    }
}
