import Foundation
import Humanize
import Inventory
import TermUI

extension Pane {
    public static let classroom = Pane("class")
}

extension AppState {
    /// The students the grid shows: the filter (id or name), and only those who need help when `f` is on.
    public var visibleStudents: [ClassBoard.Student] {
        guard let board = classBoard else { return [] }
        let needle = filter.lowercased()
        return board.students.filter { student in
            (needle.isEmpty || student.id.lowercased().contains(needle) || student.name.lowercased().contains(needle))
                && (!onlyNeedingHelp || board.needsHelp(student.id))
        }
    }

    public var selectedStudentIndex: Int? { selection(in: visibleStudents) { $0.id == selectedStudent } }

    /// The student of the selected row.
    public var selectedBoardStudent: ClassBoard.Student? { selectedStudentIndex.map { visibleStudents[$0] } }

    /// The lab of the selected column.
    public var selectedClassLab: String? {
        guard let labs = classBoard?.labs, !labs.isEmpty else { return nil }
        return labs[min(selectedLabColumn, labs.count - 1)]
    }
}

/// Pane 6, for teachers (`virtlab ui --class DIR`): students × labs from the class's gradebook, live — points,
/// grading now, stuck, flagged, when last checked. Enter shows a student's report with its evidence, r grades
/// the selected student's host again, R the whole class, f keeps only those who need help. (r, not g: g and G
/// move to the first and last row in every pane.)
enum ClassPane: PaneFeature {
    static let pane = Pane.classroom
    static let title = "Class"
    static let subject = "the class"

    static func count(in state: AppState) -> Int? { state.classBoard?.students.count }

    static let bindings: [Binding] = [
        key("report", [.enter], "the student's report on the lab, with evidence", footer: "report") { state in
            guard let student = state.selectedBoardStudent, let lab = state.selectedClassLab else {
                return refuse(&state, noClass(state))
            }
            return [.fetchClassReport(student: student.id, lab: lab)]
        },
        key("regrade", [.character("r")], "re-grade the student's host live", footer: "re-grade") { state in
            guard let student = state.selectedBoardStudent else { return refuse(&state, noClass(state)) }
            state.grading.insert(student.id)
            setStatus(&state, "grading \(student.id) on \(student.host)…", .info)
            return [.regrade(students: [student.id])]
        },
        key("regradeAll", [.character("R")], "re-grade every student's host live") { state in
            guard let board = state.classBoard else { return refuse(&state, noClass(state)) }
            state.grading = Set(board.students.map(\.id))
            setStatus(&state, "grading \(board.students.count) hosts…", .info)
            return [.regrade(students: nil)]
        },
        key("needsHelp", [.character("f")], "only students who need help / everyone", footer: "needs help") { state in
            state.onlyNeedingHelp.toggle()
            setStatus(&state, state.onlyNeedingHelp ? "showing students who need help" : "showing every student", .info)
            return []
        },
        key("previousLab", [.left, .character("h")], "previous lab") { moveColumn(&$0, by: -1) },
        key("nextLab", [.right, .character("l")], "next lab") { moveColumn(&$0, by: 1) },
    ]

    static func noClass(_ state: AppState) -> String {
        state.classBoard == nil ? "no class open: start with 'virtlab ui --class DIR'" : "no student selected"
    }

    static func moveColumn(_ state: inout AppState, by delta: Int) -> [Effect] {
        guard let labs = state.classBoard?.labs, !labs.isEmpty else { return refuse(&state, noClass(state)) }
        state.selectedLabColumn = min(max(0, state.selectedLabColumn + delta), labs.count - 1)
        return []
    }

    static func move(_ state: inout AppState, by delta: Int) -> [Effect] {
        guard let next = row(state.visibleStudents, from: state.selectedStudentIndex, by: delta) else { return [] }
        state.selectedStudent = next.id
        return []
    }

    /// A cell as the grid shows it: points, or what is going on instead.
    static func cellText(_ cell: ClassBoard.Cell, grading: Bool) -> String {
        if grading { return "grading" }
        var text = cell.earned.map { "\($0)/\(cell.possible ?? 0)" } ?? (cell.lastStatus.map { $0 == "graded" ? "-" : $0 } ?? "-")
        if cell.stuck { text += " stuck" }
        if !cell.flags.isEmpty { text += " !" }
        return text
    }

    static func draw(_ buffer: inout Buffer, _ body: Rect, _ state: AppState, theme: Theme, glyphs: Glyphs) {
        let (list, detail) = listAndDetail(body)
        let students = state.visibleStudents
        let selected = state.selectedStudentIndex
        let title = state.classBoard.map { "Class \($0.name)" + (state.onlyNeedingHelp ? " · needs help" : "") } ?? "Class"
        let inner = buffer.pane(list, title: title, focused: true, theme: theme, glyphs: glyphs)
        guard let board = state.classBoard else {
            let text = state.classProblem ?? "No class open: start the dashboard with 'virtlab ui --class DIR'."
            buffer.write(text, x: inner.x + 1, y: inner.y + 1, style: theme[.dim], maxX: inner.maxX)
            return
        }
        if students.isEmpty {
            let text = board.students.isEmpty ? "The roster has no students yet."
                : state.onlyNeedingHelp ? "Nobody needs help (f shows everyone)." : "No student matches '\(state.filter)' (Esc clears)."
            buffer.write(text, x: inner.x + 1, y: inner.y + 1, style: theme[.dim], maxX: inner.maxX)
            return
        }
        let column = min(state.selectedLabColumn, max(0, board.labs.count - 1))
        let lab = state.selectedClassLab ?? ""
        let columns: [TableView.Column] = [.init("STUDENT", width: 0), .init("HOST", width: 8)]
            + board.labs.map { .init(String($0.prefix(14)), width: min(max(11, $0.count), 14)) }
            + [.init("CHECKED", width: 8, rightAligned: true)]
        let now = board.readAt
        TableView(columns: columns, rowCount: students.count, selected: selected, focused: state.modal == nil) { index in
            let student = students[index]
            let grading = state.grading.contains(student.id)
            let cells = board.labs.enumerated().map { position, lab -> StyledLine.Span in
                let cell = board.cell(student.id, lab)
                let text = cellText(cell, grading: grading)
                let role: Role = grading ? .dim : cell.fullMarks && cell.flags.isEmpty ? .stateRunning
                    : cell.earned == nil ? .stateCrashed : .statePaused
                return .init(index == selected && position == column ? "[\(text)]" : text, theme[role])
            }
            let last = board.labs.compactMap { board.cell(student.id, $0).lastAt }.max()
            return [.init(student.id, theme[.text]), .init(student.host, theme[.dim])] + cells
                + [.init(last.map { Units.duration(seconds: max(0, now.timeIntervalSince($0))) } ?? "never", theme[.dim])]
        }.draw(into: &buffer, rect: inner, theme: theme)
        drawDetailBox(&buffer, detail, state.selectedBoardStudent, title: { "\($0.name) · \(lab)" }, theme: theme, glyphs: glyphs) {
            buffer, area, student in
            let cell = board.cell(student.id, lab)
            var lines = [
                "Points     " + (cell.earned.map { "\($0)/\(cell.possible ?? 0), from the \(cell.from ?? "last") grade" } ?? "none counted yet"),
                "Last       " + (cell.lastStatus.map { status in
                    // A grade's detail is its points, shown above; anything else says what happened.
                    (status == "graded" ? status : cell.lastDetail ?? status)
                        + (cell.lastAt.map { ", " + Units.ago($0, now: now) } ?? "")
                } ?? "never checked"),
            ]
            if cell.stuck { lines.append("Stuck      the last two live grades are the same and short of full marks") }
            lines += cell.flags.map { "Flagged    \($0)" }
            lines.append("Host       \(student.host)")
            buffer.textLines(lines.map { StyledLine($0, theme[.text]) }, in: area.inset(left: 1))
        }
    }
}
