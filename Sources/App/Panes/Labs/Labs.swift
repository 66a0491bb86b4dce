import LabFormat
import TermUI

extension AppState {
    public var selectedLabIndex: Int? {
        guard !labs.isEmpty else { return nil }
        return labs.firstIndex { $0.id == selectedLab } ?? 0
    }

    var openedLab: Lab? { openLab.flatMap { open in labs.first { $0.id == open.id } } }

    /// The questions a step of a lab asks, in the step's order.
    func questions(in step: Step, of lab: Lab) -> [LabQuestion] {
        let asked = labQuestions[lab.id] ?? []
        return step.checks.compactMap { check in asked.first { $0.check == check.id } }
    }
}

/// Lab keys: open a lab from the list; inside it, move between steps, reveal hints, check.
func labCommand(_ state: inout AppState, _ command: LabCommand) -> [Effect] {
    guard let index = state.selectedLabIndex else {
        return refuse(&state, state.labProblems.isEmpty ? "no labs found (yours go in ~/.local/share/virtlab/labs)"
                      : "no lab loads: \(state.labProblems[0])")
    }
    guard let lab = state.openedLab, var open = state.openLab else {
        guard command == .open || command == .grade else { return refuse(&state, "open a lab first: Enter") }
        let lab = state.labs[index]
        let progress = state.labProgress[lab.id]
        // Resume where the student stopped: the first step not yet passed.
        let step = lab.steps.firstIndex { step in
            !(progress?.steps.first { $0.id == step.id }?.allPassed ?? false)
        } ?? 0
        state.openLab = OpenLab(id: lab.id, step: step)
        if let rows = state.labEnvironments[lab.id], rows.contains(where: { !$0.made }) {
            setStatus(&state, "\(lab.id)'s environment is not all there: u brings it up", .warning)
        }
        return command == .grade ? labCommand(&state, .grade) : [.startLab(id: lab.id)]
    }
    let step = lab.steps[open.step]
    switch command {
    case .open:
        // Inside a lab, Enter answers the step's questions.
        let questions = state.questions(in: step, of: lab)
        guard !questions.isEmpty else { return refuse(&state, "this step asks no questions: do what it says, then c checks it") }
        guard !open.checking else { return refuse(&state, "a check is already running") }
        state.modal = QuestionDialog(lab: lab.id, step: step.id, title: (state.labParameters[lab.id] ?? Parameters(values: [:])).expand(step.title),
                                     questions: questions)
        return []
    case .nextStep, .previousStep:
        open.step = min(max(0, open.step + (command == .nextStep ? 1 : -1)), lab.steps.count - 1)
        open.scroll = 0
    case .hint:
        let shown = open.hintsShown[step.id] ?? 0
        guard shown < step.hints.count else {
            state.openLab = open
            return refuse(&state, step.hints.isEmpty ? "this step has no hints" : "every hint is shown")
        }
        open.hintsShown[step.id] = shown + 1
    case .evidence:
        open.evidence.toggle()
    case .check, .grade:
        guard !open.checking else { return refuse(&state, "a check is already running") }
        open.checking = true
        state.openLab = open
        let title = (state.labParameters[lab.id] ?? Parameters(values: [:])).expand(step.title)
        setStatus(&state, command == .check ? "checking \(title)…" : "grading \(lab.title)…", .info)
        return [.checkLab(id: lab.id, step: command == .check ? step.id : nil)]
    }
    state.openLab = open
    return []
}

func moveInLabs(_ state: inout AppState, by delta: Int) {
    if var open = state.openLab {
        open.scroll = max(0, open.scroll + delta)
        state.openLab = open
    } else if let index = state.selectedLabIndex {
        state.selectedLab = state.labs[min(max(0, index + delta), state.labs.count - 1)].id
    }
}

/// Every lab's environment is read, so the machines list can say which VMs a lab made — once the list is on screen:
/// each read opens libvirt and the engine, and never holds up the first list.
func readEveryEnvironment(_ state: AppState) -> [Effect] {
    guard state.snapshot != nil else { return [] }
    return state.labs.filter { $0.environment != nil }.map { .readLabEnvironment(id: $0.id) }
}

/// The selected lab's environment is read again when it is selected, so the detail shows how it stands now.
func readSelectedEnvironment(_ state: AppState) -> [Effect] {
    guard let index = state.selectedLabIndex, state.labs[index].environment != nil else { return [] }
    return [.readLabEnvironment(id: state.labs[index].id)]
}

func absorbLab(_ state: inout AppState, _ message: Message) -> [Effect] {
    switch message {
    case .labsLoaded(let shelf):
        state.labs = shelf.labs
        state.labParameters = shelf.parameters
        state.labProgress = shelf.progress
        state.labQuestions = shelf.questions
        state.labProblems = shelf.problems
        return readEveryEnvironment(state)  // or with the first snapshot, when it comes after
    case .labAnswered(let lab, let questions):
        state.labQuestions[lab] = questions
    case .labStarted(let id, let unmet):
        if !unmet.isEmpty { setStatus(&state, "\(id) cannot run here: " + unmet.joined(separator: "; "), .error) }
    case .labChecked(let report, let checkedStep):
        state.labProgress[report.lab] = report
        guard state.openLab?.id == report.lab else { break }
        state.openLab?.checking = false
        if let checkedStep, let step = report.steps.first(where: { $0.id == checkedStep }) {
            setStatus(&state, "\(step.title): \(step.earned)/\(step.possible) points\(step.allPassed ? " — step done" : "")",
                      step.allPassed ? .info : .warning)
        } else {
            return update(&state, .document(title: "Grade: \(report.title)", ReportFormat.text.render(report)))
        }
    case .labFailed(let text):
        state.openLab?.checking = false
        setStatus(&state, text, .error)
    default: break
    }
    return []
}
