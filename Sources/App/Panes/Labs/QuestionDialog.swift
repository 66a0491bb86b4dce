import LabFormat
import TermUI

/// A step's questions, one at a time: a chooser (a letter or Space picks, ↑↓ move) or a text field. Enter goes to
/// the next question; on the last it keeps the answers and grades the step. Esc leaves without keeping any.
struct QuestionDialog: Dialog, Equatable {
    let lab: String
    let step: String
    let title: String
    private(set) var questions: [LabQuestion]
    private(set) var index = 0
    private(set) var cursor = 0
    /// The answer typed for a free question in view.
    private(set) var typed = TextField(limit: 200)
    /// The questions whose answer the student changed here.
    private(set) var changed: Set<String> = []

    init(lab: String, step: String, title: String, questions: [LabQuestion]) {
        (self.lab, self.step, self.title, self.questions) = (lab, step, title, questions)
        show(0)
    }

    private var question: LabQuestion { questions[index] }
    private var picked: [String] { question.answer ?? [] }

    func handle(_ key: Key, in state: inout AppState) -> [Effect] {
        var next = self
        switch key {
        case .escape:
            state.modal = nil
            setStatus(&state, "answers left as they were", .info)
            return []
        case .enter:
            if !question.choices.isEmpty || next.keepTyped() {
                guard index == questions.count - 1 else {
                    next.show(index + 1)
                    state.modal = next
                    return []
                }
                return next.submit(&state)
            }
            return refuse(&state, "type an answer first (Tab: leave it for later)")
        // Tab always moves on; the arrows only where they do not move the cursor in a typed answer.
        case .tab:
            next.show(min(index + 1, questions.count - 1))
        case .right where !question.choices.isEmpty:
            next.show(min(index + 1, questions.count - 1))
        case .backTab:
            next.show(max(index - 1, 0))
        case .left where !question.choices.isEmpty:
            next.show(max(index - 1, 0))
        case .up where !question.choices.isEmpty:
            next.cursor = max(0, cursor - 1)
        case .down where !question.choices.isEmpty:
            next.cursor = min(question.choices.count - 1, cursor + 1)
        case .character(" ") where !question.choices.isEmpty:
            guard next.pick(cursor) else { return refuse(&state, "\(question.picks) are chosen: take one back first") }
        case .character(let letter) where !question.choices.isEmpty:
            guard let choice = question.choices.indices.first(where: { LabQuestion.letter($0) == String(letter).lowercased() }) else {
                return refuse(&state, "choose with a letter: " + question.choices.indices.map(LabQuestion.letter).joined(separator: ", "))
            }
            next.cursor = choice
            guard next.pick(choice) else {
                state.modal = next
                return refuse(&state, "\(question.picks) are chosen: take one back first")
            }
        default:
            guard question.choices.isEmpty, next.typed.edit(key) else { return [] }
        }
        state.modal = next
        return []
    }

    /// Moves to question `position`, its answer so far in the chooser or the field.
    private mutating func show(_ position: Int) {
        _ = keepTyped()
        index = position
        cursor = question.choices.firstIndex { picked.contains($0) } ?? 0
        typed = TextField(question.choices.isEmpty ? picked.joined(separator: " ") : "", limit: 200)
    }

    /// A free question takes the text typed; false when there is none.
    private mutating func keepTyped() -> Bool {
        guard question.choices.isEmpty else { return true }
        guard !typed.trimmed.isEmpty else { return false }
        if picked != [typed.trimmed] { set([typed.trimmed]) }
        return true
    }

    /// One right answer: the choice replaces the pick. Several: it toggles, up to as many as the question asks for
    /// (false: that many are chosen already).
    private mutating func pick(_ choice: Int) -> Bool {
        let text = question.choices[choice]
        if question.picks <= 1 {
            set([text])
        } else if picked.contains(text) {
            set(picked.filter { $0 != text })
        } else if picked.count < question.picks {
            set(picked + [text])
        } else {
            return false
        }
        return true
    }

    private mutating func set(_ answer: [String]) {
        questions[index].answer = answer.isEmpty ? nil : answer
        changed.insert(question.check)
    }

    private func submit(_ state: inout AppState) -> [Effect] {
        state.modal = nil
        let answers = questions.filter { changed.contains($0.check) }.compactMap { question in
            question.answer.map { answer in
                LabAnswer(check: question.check, values: question.choices.isEmpty ? answer
                          : answer.compactMap { chosen in question.choices.firstIndex(of: chosen).map(LabQuestion.letter) })
            }
        }
        state.openLab?.checking = true
        setStatus(&state, "checking \(title)…", .info)
        return [.answerLab(id: lab, step: step, answers)]
    }

    var hints: [(String, String)] {
        question.choices.isEmpty
            ? [("Enter", index == questions.count - 1 ? "grade" : "next"), ("Tab", "skip"), ("Esc", "cancel")]
            : [("a-z Space", "choose"), ("↑↓", "move"), ("Enter", index == questions.count - 1 ? "grade" : "next"),
               ("Tab", "skip"), ("Esc", "cancel")]
    }

    func draw(_ buffer: inout Buffer, _ state: AppState, theme: Theme, glyphs: Glyphs) {
        let width = min(buffer.size.width - 4, 84)
        var lines = wrap(question.ask, width: width - 4)
        let ask: String
        switch question.picks {
        case 0: ask = "Type your answer:"
        case 1: ask = "Choose one:"
        default: ask = "Choose \(question.picks) (\(picked.count) chosen):"
        }
        lines += ["", ask]
        let firstChoice = lines.count
        for (position, choice) in question.choices.enumerated() {
            let mark = picked.contains(choice) ? (question.picks > 1 ? "[x]" : "(•)") : (question.picks > 1 ? "[ ]" : "( )")
            let text = "\(position == cursor ? ">" : " ") \(mark) \(LabQuestion.letter(position))) \(choice)"
            lines.append(String(text.prefix(width - 4)))
        }
        if question.choices.isEmpty { lines.append("") }
        lines += ["", "Enter: " + (index == questions.count - 1 ? "keep the answers and grade the step" : "next question")
                  + " · Esc: keep none"]
        let area = dialog(&buffer, title: "\(title) · question \(index + 1) of \(questions.count)", lines: lines,
                          minWidth: width, theme: theme, glyphs: glyphs)
        if question.choices.isEmpty {
            input(&buffer, typed.text, x: area.x + 1, y: area.y + firstChoice, width: area.width - 2, theme: theme)
        } else {
            let row = area.y + firstChoice + cursor
            buffer.restyle(Rect(x: area.x, y: row, width: area.width, height: 1)) { _ in theme[.selected] }
        }
    }
}
