import Foundation
import LabFormat
import TermUI

/// The list of labs, each with its saved progress.
func drawLabList(_ buffer: inout Buffer, _ rect: Rect, _ state: AppState, theme: Theme, glyphs: Glyphs) {
    let inner = buffer.pane(rect, title: "Labs · guided exercises", focused: true, theme: theme, glyphs: glyphs)
    guard !state.labs.isEmpty else {
        buffer.write(state.labProblems.first ?? "No labs found (virtlab has its own built in; yours go in ~/.local/share/virtlab/labs).",
                     x: inner.x + 1, y: inner.y + 1, style: theme[.dim], maxX: inner.maxX)
        return
    }
    let text = theme[.text]
    let columns: [TableView.Column] = [.init("LAB", width: 18), .init("PROGRESS", width: 14), .init("STEPS", width: 5),
                                       .init("TITLE", width: 0)]
    TableView(columns: columns, rowCount: state.labs.count, selected: state.selectedLabIndex,
              focused: state.modal == nil) { index in
        let lab = state.labs[index]
        let progress = state.labProgress[lab.id].map { report in
            let earned = report.earned
            return earned == lab.points ? "done \(earned)/\(lab.points)" : "\(earned)/\(lab.points) pts"
        } ?? "not started"
        return [.init(lab.id, text), .init(progress, theme[state.labProgress[lab.id] == nil ? .dim : .text]),
                .init("\(lab.steps.count)", text), .init(lab.title, text)]
    }.draw(into: &buffer, rect: inner, theme: theme)
}

func drawLabDetail(_ buffer: inout Buffer, _ rect: Rect, _ state: AppState, theme: Theme, glyphs: Glyphs) {
    guard let index = state.selectedLabIndex else {
        buffer.pane(rect, title: "Lab", focused: false, theme: theme, glyphs: glyphs)
        return
    }
    let lab = state.labs[index]
    // Filled in with the student's values, as `lab show` and the open lab do.
    let parameters = state.labParameters[lab.id] ?? Parameters(values: [:])
    let inner = buffer.pane(rect, title: lab.title, focused: false, theme: theme, glyphs: glyphs)
    var lines: [StyledLine] = []
    let facts = ["\(lab.points) points", lab.objectives.isEmpty ? nil : "objectives \(lab.objectives.joined(separator: ", "))",
                 lab.requirements.isEmpty ? nil : "needs \(lab.requirements.map(\.rawValue).joined(separator: ", "))"]
    lines.append(StyledLine(facts.compactMap { $0 }.joined(separator: " · "), theme[.dim]))
    // The environment first: how it stands decides what to do next, and a long description would hide it.
    if lab.environment != nil {
        lines += environmentLines(state.labEnvironments[lab.id], theme: theme)
        lines.append(StyledLine("", theme[.text]))
    }
    for line in wrap(parameters.expand(lab.description).replacingOccurrences(of: "\n", with: " "), width: inner.width - 2) {
        lines.append(StyledLine(line, theme[.text]))
    }
    if !state.labProblems.isEmpty {
        lines.append(StyledLine("\(state.labProblems.count) lab file(s) do not load: virtlab lab validate FILE",
                                theme[.statusWarning]))
    }
    buffer.textLines(lines, in: inner.inset(left: 1))
}

/// An open lab: the steps, the current step's instructions, the hints shown so far and the last results,
/// as one scrolling text.
func drawOpenLab(_ buffer: inout Buffer, _ rect: Rect, _ state: AppState, _ lab: Lab, _ open: OpenLab,
                 theme: Theme, glyphs: Glyphs) {
    let report = state.labProgress[lab.id]
    let total = report.map { " · \($0.earned)/\(lab.points) points" } ?? ""
    let inner = buffer.pane(rect, title: "\(lab.title)\(total)", focused: true, theme: theme, glyphs: glyphs)
    let width = inner.width - 2
    let step = lab.steps[open.step]
    let parameters = state.labParameters[lab.id] ?? Parameters(values: [:])
    var lines: [StyledLine] = []

    // The steps, each with its state: done, tried, or not checked yet.
    var strip: [StyledLine.Span] = []
    for (index, each) in lab.steps.enumerated() {
        let results = report?.steps.first { $0.id == each.id }
        let mark = results.map { $0.allPassed ? "done" : "\($0.earned)/\($0.possible)" } ?? "-"
        strip.append(.init(" \(index + 1) \(each.id) [\(mark)] ", theme[index == open.step ? .selected : .dim]))
    }
    lines.append(StyledLine(strip))
    lines.append(StyledLine("", theme[.text]))
    lines.append(StyledLine("Step \(open.step + 1) of \(lab.steps.count): \(parameters.expand(step.title))", theme[.title]))
    for line in instructions(parameters.expand(step.instructions), width: width) {
        lines.append(StyledLine(line.text, theme[line.code ? .input : .text]))
    }

    let hintsShown = open.hintsShown[step.id] ?? 0
    if !step.hints.isEmpty {
        lines.append(StyledLine("", theme[.text]))
        lines.append(StyledLine("Hints: \(hintsShown) of \(step.hints.count) shown (h: next)", theme[.dim]))
        for (index, hint) in step.hints.prefix(hintsShown).enumerated() {
            for (row, line) in wrap(parameters.expand(hint), width: width - 4).enumerated() {
                lines.append(StyledLine((row == 0 ? "\(index + 1). " : "   ") + line, theme[.help]))
            }
        }
    }

    let questions = state.questions(in: step, of: lab)
    if !questions.isEmpty {
        lines.append(StyledLine("", theme[.text]))
        let answered = questions.filter { $0.answer != nil }.count
        lines.append(StyledLine("Questions: \(answered) of \(questions.count) answered · Enter: answer them", theme[.help]))
    }

    lines.append(StyledLine("", theme[.text]))
    if open.checking {
        lines.append(StyledLine("Checking…", theme[.statusInfo]))
    } else if let results = report?.steps.first(where: { $0.id == step.id }) {
        let when = report.map { " (checked \(LabClock.time.string(from: $0.date)))" } ?? ""
        lines.append(StyledLine("Results: \(results.earned)/\(results.possible) points\(when) · e: evidence", theme[.dim]))
        for result in results.results {
            lines.append(StyledLine([.init(mark(result.status), theme[role(result.status)]),
                                     .init(" \(result.title)\(result.points > 0 ? " (\(result.earned)/\(result.points))" : "")",
                                           theme[.text])]))
            var details: [String] = []
            if open.evidence {
                details += [result.expected.map { "expected: \($0)" }, result.got.map { "got: \($0)" },
                            result.command.map { "ran: \($0)" }, result.output.map { "output: \($0)" }].compactMap { $0 }
            }
            // A pass says something only when there is more to learn: a question's reason.
            if let message = result.message { details.append(message) }
            for detail in details {
                for line in wrap(detail.replacingOccurrences(of: "\n", with: " "), width: width - 6) {
                    lines.append(StyledLine("      " + line, theme[.dim]))
                }
            }
        }
    } else {
        lines.append(StyledLine("Not checked yet: c checks this step, a grades the whole lab.", theme[.dim]))
    }
    let offset = min(open.scroll, max(0, lines.count - inner.height))
    buffer.textLines(lines, in: inner.inset(left: 1), offset: offset)
}

private enum LabClock {
    static let time: DateFormatter = {
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm 'UTC'"
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter
    }()
}

private func mark(_ status: CheckResult.Status) -> String {
    switch status {
    case .pass: "PASS"
    case .fail: "FAIL"
    case .skipped: "SKIP"
    case .error: "ERR "
    }
}

private func role(_ status: CheckResult.Status) -> Role {
    switch status {
    case .pass: .stateRunning
    case .fail, .error: .stateCrashed
    case .skipped: .stateOther
    }
}

/// The markdown subset of instructions: paragraphs wrapped, indented blocks kept as code, ** and `
/// dropped (the text reads the same without them).
func instructions(_ text: String, width: Int) -> [(text: String, code: Bool)] {
    var lines: [(String, Bool)] = []
    var paragraph = ""
    func flush() {
        for line in wrap(paragraph, width: width) { lines.append((line, false)) }
        paragraph = ""
    }
    for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
        let line = String(raw)
        if line.hasPrefix("    ") {
            flush()
            lines.append((String(line.prefix(width)), true))
        } else if line.trimmingCharacters(in: .whitespaces).isEmpty {
            flush()
            if lines.last.map({ !$0.0.isEmpty }) ?? false { lines.append(("", false)) }
        } else {
            let plain = line.replacingOccurrences(of: "**", with: "").replacingOccurrences(of: "`", with: "")
            paragraph += (paragraph.isEmpty ? "" : " ") + plain.trimmingCharacters(in: .whitespaces)
        }
    }
    flush()
    while lines.last?.0.isEmpty == true { lines.removeLast() }
    return lines
}

/// "Environment · u up · r reset · D down", then each item and how it stands.
func environmentLines(_ rows: [EnvironmentRow]?, theme: Theme) -> [StyledLine] {
    var lines = [StyledLine("Environment · u up · r reset · D down", theme[.title])]
    guard let rows else { return lines + [StyledLine("reading…", theme[.dim])] }
    let kindWidth = rows.map(\.kind.count).max() ?? 0
    let nameWidth = rows.map(\.name.count).max() ?? 0
    for row in rows {
        let label = row.kind.padding(toLength: kindWidth, withPad: " ", startingAt: 0) + "  "
            + row.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  "
        lines.append(StyledLine([.init(label, theme[.text]), .init(row.state, theme[row.asDeclared ? .text : .statusWarning])]))
    }
    return lines
}
