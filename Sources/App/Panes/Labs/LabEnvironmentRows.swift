import TermUI

/// A lab's environment as the Labs pane shows it and changes it (`u` up, `r` reset, `D` down); the runtime asks
/// the lab use cases, so the pane needs no driver.
public enum EnvironmentChange: String, Sendable, Equatable, CaseIterable {
    case up, reset, down

    /// "Bring up", "Reset", "Take down": the dialog's question starts with it.
    public var verb: String {
        switch self {
        case .up: "bring up"
        case .reset: "reset"
        case .down: "take down"
        }
    }

    /// What `lab VERB` does, in the dialog.
    var meaning: String {
        switch self {
        case .up: "make what is missing and start what should run"
        case .reset: "every machine back to its baseline snapshot, every container made anew"
        case .down: "remove what 'up' made: containers, machines with their disks, networks"
        }
    }
}

/// One declared item and how it stands: "machine snap-ana as declared".
public struct EnvironmentRow: Sendable, Equatable {
    public let kind: String
    public let name: String
    public let state: String
    public let asDeclared: Bool
    /// It is there and the lab made it (not missing, not someone else's of the same name).
    public let made: Bool

    public init(kind: String, name: String, state: String, asDeclared: Bool, made: Bool) {
        (self.kind, self.name, self.state, self.asDeclared, self.made) = (kind, name, state, asDeclared, made)
    }
}

extension AppState {
    /// The lab whose environment made this VM, as far as the environments read so far tell.
    func lab(ofMachine name: String) -> String? {
        labEnvironments.sorted { $0.key < $1.key }.first { _, rows in rows.contains { $0.kind == "machine" && $0.name == name && $0.made } }?.key
    }
}

/// One change a plan would make, with the command a learner would type for it.
public struct PlannedChange: Sendable, Equatable {
    public let what: String
    public let command: String

    public init(what: String, command: String) { (self.what, self.command) = (what, command) }
}

/// `u`, `r` or `D` on a lab: the plan is asked for first, so the dialog can show its commands.
func changeLabEnvironment(_ state: inout AppState, _ change: EnvironmentChange) -> [Effect] {
    guard let index = state.selectedLabIndex else { return refuse(&state, "no lab selected") }
    let lab = state.openedLab ?? state.labs[index]
    guard lab.environment != nil else {
        return refuse(&state, "\(lab.id) declares no environment: it works on what you make")
    }
    setStatus(&state, "planning: \(change.verb) \(lab.id)'s environment…", .info)
    return [.planLabEnvironment(id: lab.id, change)]
}

/// "Bring up snapshots' environment?" with each command it would run; y goes ahead.
public struct EnvironmentChangeDialog: Dialog, Equatable {
    public let lab: String
    public let change: EnvironmentChange
    public let steps: [PlannedChange]

    public func handle(_ key: Key, in state: inout AppState) -> [Effect] {
        switch key {
        case .character("y"), .character("Y"):
            state.modal = nil
            setStatus(&state, "\(change.verb) \(lab)'s environment…", .info)
            return [.changeLabEnvironment(id: lab, change)]
        case .character("n"), .character("N"), .escape, .character("q"):
            state.modal = nil
            setStatus(&state, "\(change.verb) \(lab)'s environment: cancelled", .info)
        default: break
        }
        return []
    }

    public var hints: [(String, String)] { [("y", "yes"), ("n/Esc", "no")] }

    public func draw(_ buffer: inout Buffer, _ state: AppState, theme: Theme, glyphs: Glyphs) {
        let shown = 8
        var lines = ["\(change.verb.prefix(1).uppercased() + change.verb.dropFirst()) \(lab)'s environment?", change.meaning, "",
                     "Same as:"]
        lines += steps.prefix(shown).map { "  " + $0.command }
        if steps.count > shown { lines.append("  … and \(steps.count - shown) more (virtlab lab \(change.rawValue) \(lab) --explain)") }
        lines += ["", "y  yes        n  no"]
        dialog(&buffer, title: "Confirm", lines: lines, theme: theme, glyphs: glyphs)
    }
}

func absorbLabEnvironment(_ state: inout AppState, _ message: Message) -> [Effect] {
    switch message {
    case .labEnvironment(let lab, let rows):
        state.labEnvironments[lab] = rows
    case .labEnvironmentPlanned(let lab, let change, let steps):
        guard !steps.isEmpty else {
            setStatus(&state, change == .down ? "nothing to remove: \(lab)'s environment is not up"
                      : "\(lab)'s environment is as declared: nothing to do", .info)
            return []
        }
        state.status = nil
        state.modal = EnvironmentChangeDialog(lab: lab, change: change, steps: steps)
    case .labEnvironmentChanged(let lab, let change, let failure):
        if let failure {
            setStatus(&state, "\(change.verb) \(lab): \(failure) (what was done is recorded: try again)", .error)
        } else {
            setStatus(&state, "\(lab)'s environment: \(change == .down ? "taken down" : change == .up ? "up" : "reset to its baseline")", .info)
        }
        return [.readLabEnvironment(id: lab)]
    default: break
    }
    return []
}
