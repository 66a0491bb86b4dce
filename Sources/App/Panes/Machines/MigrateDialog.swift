import TermUI

/// `m`: where the selected (or marked) VMs of one host go — another of the watched hosts. Enter starts the move;
/// while it runs the status bar shows libvirt's figures and Esc cancels it.
public struct MigrateDialog: Dialog, Equatable {
    public let targets: [MachineRef]
    public let destinations: [String]
    public var selected = 0

    public init(targets: [MachineRef], destinations: [String]) {
        (self.targets, self.destinations) = (targets, destinations)
    }

    /// Opens the dialog for VMs of one host (the Machines pane's selected or marked ones, the Hosts pane's running
    /// ones), or says why not.
    static func offer(_ state: inout AppState, _ targets: [MachineRef]) -> [Effect] {
        let sources = Set(targets.map(\.key.connection))
        guard sources.count == 1, let source = sources.first else {
            return refuse(&state, "the marked VMs are on \(sources.count) hosts: mark VMs of one host to move them")
        }
        let destinations = state.connections.filter { $0 != source }
        guard !destinations.isEmpty else {
            return refuse(&state, "no other host to move to: watch two (virtlab --uri HOST1 --uri HOST2)")
        }
        guard state.migrating == nil else { return refuse(&state, "a migration is under way (Esc cancels it)") }
        state.modal = MigrateDialog(targets: targets, destinations: destinations)
        return []
    }

    public func handle(_ key: Key, in state: inout AppState) -> [Effect] {
        var next = self
        switch key {
        case .escape, .character("q"):
            state.modal = nil
            return []
        case .up, .character("k"): next.selected = max(0, selected - 1)
        case .down, .character("j"): next.selected = min(destinations.count - 1, selected + 1)
        case .enter:
            state.modal = nil
            let names = targets.map(\.name).joined(separator: ", ")
            let started = "moving \(names) to \(destinations[selected])…"
            state.migrating = MigrationUnderWay(vms: targets.map(\.key), destination: destinations[selected], figures: started)
            setStatus(&state, started + "  (Esc cancels)", .info)
            return [.migrate(targets, to: destinations[selected])]
        default: break
        }
        state.modal = next
        return []
    }

    public var hints: [(String, String)] { [("↑↓", "choose"), ("Enter", "move"), ("Esc", "cancel")] }

    public func draw(_ buffer: inout Buffer, _ state: AppState, theme: Theme, glyphs: Glyphs) {
        let what = targets.count == 1 ? targets[0].name : "\(targets.count) VMs"
        let footer = ["", "Checked first: what would stop it is said, and nothing moves.",
                      "Running VMs move live; Esc cancels a move under way."]
        let area = dialog(&buffer, title: "Move \(what) from \(targets[0].key.connection) to",
                          lines: destinations.map { " " + $0 } + footer, minWidth: 60, theme: theme, glyphs: glyphs)
        buffer.restyle(Rect(x: area.x, y: area.y + selected, width: area.width, height: 1)) { _ in theme[.selected] }
    }
}
