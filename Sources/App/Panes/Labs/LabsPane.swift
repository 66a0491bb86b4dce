import TermUI

extension Pane {
    public static let labs = Pane("labs")
}

/// What the lab keys ask for (Labs.swift says what each does).
enum LabCommand: Sendable, Equatable {
    case open, check, hint, evidence, nextStep, previousStep, grade
}

/// Pane 4: guided lab exercises: the list, then one lab step by step, checked against the real system.
enum LabsPane: PaneFeature {
    static let pane = Pane.labs
    static let title = "Labs"
    static let subject = "labs"

    static func count(in state: AppState) -> Int? { state.labs.count }

    static let bindings: [Binding] = [
        key("open", [.enter], "open the lab (Esc: back to the list); in a lab, answer the step's questions",
            footer: "open/answer") { labCommand(&$0, .open) },
        key("check", [.character("c")], "check this step", footer: "check") { labCommand(&$0, .check) },
        key("hint", [.character("h")], "show the next hint", footer: "hint") { labCommand(&$0, .hint) },
        key("evidence", [.character("e")], "show or hide the evidence of each check", footer: "evidence") {
            labCommand(&$0, .evidence)
        },
        key("nextStep", [.right, .character("]")], "next step", footer: "step") { labCommand(&$0, .nextStep) },
        key("previousStep", [.left, .character("[")], "previous step") { labCommand(&$0, .previousStep) },
        key("grade", [.character("a")], "grade the whole lab (every step)", footer: "grade") { labCommand(&$0, .grade) },
        key("environmentUp", [.character("u")], "bring up the lab's environment (what is missing)", footer: "up", mutates: true) {
            changeLabEnvironment(&$0, .up)
        },
        key("environmentReset", [.character("r")], "reset the lab's environment to its baseline", mutates: true) {
            changeLabEnvironment(&$0, .reset)
        },
        key("environmentDown", [.character("D")], "take down the lab's environment (what up made)", mutates: true) {
            changeLabEnvironment(&$0, .down)
        },
    ]

    static func move(_ state: inout AppState, by delta: Int) -> [Effect] {
        let before = state.selectedLab
        moveInLabs(&state, by: delta)
        return state.selectedLab != before ? readSelectedEnvironment(state) : []
    }

    static func escape(_ state: inout AppState) -> Bool {
        guard state.openLab != nil else { return false }
        state.openLab = nil
        return true
    }

    static func draw(_ buffer: inout Buffer, _ body: Rect, _ state: AppState, theme: Theme, glyphs: Glyphs) {
        if let lab = state.openedLab, let open = state.openLab {
            return drawOpenLab(&buffer, body, state, lab, open, theme: theme, glyphs: glyphs)
        }
        let (list, detail) = listAndDetail(body)
        drawLabList(&buffer, list, state, theme: theme, glyphs: glyphs)
        drawLabDetail(&buffer, detail, state, theme: theme, glyphs: glyphs)
    }
}
