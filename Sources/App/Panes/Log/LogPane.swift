import Foundation
import Inventory
import TermUI

extension Pane {
    public static let log = Pane("log")
}

extension AppState {
    /// The selected row of the Log: the newest unless the user moved.
    public var selectedLogIndex: Int? {
        actionLog.isEmpty ? nil : min(selectedLogRow ?? actionLog.count - 1, actionLog.count - 1)
    }
}

/// Pane 7: everything virtlab did this session (and tried to), newest last, with the virsh, qemu-img or podman
/// command that does the same by hand, when, on which host and what came of it. The log file keeps the same lines.
enum LogPane: PaneFeature {
    static let pane = Pane.log
    static let title = "Log"
    static let subject = "the action log"

    static func count(in state: AppState) -> Int? { state.actionLog.count }

    static let bindings: [Binding] = [
        key("show", [.enter], "the whole entry: command, host, result", footer: "show") { state in
            guard let index = state.selectedLogIndex else { return refuse(&state, "nothing done yet") }
            let record = state.actionLog[index]
            state.modal = TextDialog(title: record.what, lines: [
                "When     \(clockTime(record.time))", "Host     \(record.connection)", "Command  \(record.command)",
                "Result   \(record.outcome.succeeded ? "done" : "failed")", "", record.outcome.text,
            ])
            return []
        },
    ]

    static func move(_ state: inout AppState, by delta: Int) -> [Effect] {
        guard let current = state.selectedLogIndex else { return [] }
        state.selectedLogRow = min(max(0, current + delta), state.actionLog.count - 1)
        return []
    }

    static func draw(_ buffer: inout Buffer, _ body: Rect, _ state: AppState, theme: Theme, glyphs: Glyphs) {
        let (list, detail) = listAndDetail(body)
        let records = state.actionLog
        let inner = buffer.pane(list, title: "What virtlab did, and the command that does the same", focused: true,
                                theme: theme, glyphs: glyphs)
        guard !records.isEmpty else {
            buffer.write("Nothing done yet: every action (start, snapshot, set vCPUs…) is listed here with its virsh command.",
                         x: inner.x + 1, y: inner.y + 1, style: theme[.dim], maxX: inner.maxX)
            buffer.pane(detail, title: "Details", focused: false, theme: theme, glyphs: glyphs)
            return
        }
        let selected = state.selectedLogIndex
        // The command is what a learner came for: it gets the width; what was done titles the detail below.
        let several = state.watchesSeveralHosts
        let columns: [TableView.Column] = [.init("TIME", width: 8)] + (several ? [.init("HOST", width: 10)] : [])
            + [.init("RESULT", width: 6), .init("COMMAND", width: 0)]
        let text = theme[.text]
        TableView(columns: columns, rowCount: records.count, selected: selected, focused: state.modal == nil) { index in
            let record = records[index]
            let host: [StyledLine.Span] = several ? [.init(ConnectionLabel.host(of: record.connection), theme[.dim])] : []
            return [.init(clockTime(record.time), theme[.dim])] + host + [
                record.outcome.succeeded ? .init("ok", theme[.stateRunning]) : .init("failed", theme[.stateCrashed]),
                .init(record.command, text),
            ]
        }.draw(into: &buffer, rect: inner, theme: theme)
        drawDetailBox(&buffer, detail, selected.map { records[$0] }, title: \.what, theme: theme, glyphs: glyphs) {
            buffer, area, record in
            buffer.textLines([
                StyledLine([.init("Command  ", theme[.dim]), .init(record.command, text)]),
                StyledLine([.init("Host     ", theme[.dim]), .init(record.connection, text)]),
                StyledLine([.init("Result   ", theme[.dim]),
                            .init(record.outcome.text, theme[record.outcome.succeeded ? .text : .stateCrashed])]),
            ], in: area.inset(left: 1))
        }
    }

    /// "14:03:59" in the local time zone, worked out here (a formatter per row would cost more than the row).
    static func clockTime(_ date: Date) -> String {
        let local = Int(date.timeIntervalSince1970.rounded(.down)) + TimeZone.current.secondsFromGMT(for: date)
        let seconds = ((local % 86_400) + 86_400) % 86_400
        let two = { (value: Int) in value < 10 ? "0\(value)" : "\(value)" }
        return "\(two(seconds / 3600)):\(two(seconds / 60 % 60)):\(two(seconds % 60))"
    }
}
