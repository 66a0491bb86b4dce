import Inventory
import TermUI

/// Clone a shut-off VM: the new name is typed; Tab toggles resetting its identity (on at first).
public struct CloneDialog: Dialog, Equatable {
    public let key: MachineKey
    public let name: String
    var typed: TextField
    public var sanitize = true

    init(_ machine: MachineRef) {
        (key, name) = (machine.key, machine.name)
        typed = TextField("\(machine.name)-clone", limit: 64)
    }

    public var newName: String { typed.text }

    public func handle(_ key: Key, in state: inout AppState) -> [Effect] {
        var next = self
        switch key {
        case .escape:
            state.modal = nil
            return []
        case .enter:
            let newName = typed.trimmed
            guard !newName.isEmpty, newName != name else { return refuse(&state, "the clone needs a name of its own") }
            state.modal = nil
            setStatus(&state, "cloning \(name) as \(newName)\(sanitize ? " and resetting its identity" : "")…", .info)
            return [.perform(.clone(as: newName, sanitize: sanitize), self.key, name: name)]
        case .tab: next.sanitize.toggle()
        default: _ = next.typed.edit(key)
        }
        state.modal = next
        return []
    }

    public var hints: [(String, String)] { [("Enter", "clone"), ("Tab", "new identity?"), ("Esc", "cancel")] }

    public func draw(_ buffer: inout Buffer, _ state: AppState, theme: Theme, glyphs: Glyphs) {
        prompt(&buffer, title: "Clone \(name)", lines: [
            "New UUID, new MACs, disks of its own.",
            "\(sanitize ? "[x]" : "[ ]") new identity: machine-id, SSH host keys, cloud-init (Tab)",
            "Name of the clone:",
        ], typed: typed.text, theme: theme, glyphs: glyphs)
    }
}
