import TermUI

/// One pane of the dashboard: a folder under Panes/ with its keys, what they do, its selectors and its
/// view, and one line in `Panes.all`. The tabs, the number keys, the help screen's sections and the
/// "press N" hints all come from the registry.
protocol PaneFeature: Sendable {
    static var pane: Pane { get }
    /// Its tab's title.
    static var title: String { get }
    /// The title when the tabs do not fit a narrow terminal.
    static var shortTitle: String { get }
    /// What its keys work on, for "works on virtual machines: press 1".
    static var subject: String { get }
    /// The count in its tab, when it has one.
    static func count(in state: AppState) -> Int?
    /// Keys that work only here.
    static var bindings: [Binding] { get }
    /// Moves the selection, or scrolls, by `delta` rows.
    static func move(_ state: inout AppState, by delta: Int) -> [Effect]
    /// Esc inside the pane: true when the pane used it (to leave an open lab).
    static func escape(_ state: inout AppState) -> Bool
    /// Shown (its number key, Tab): what to read for it.
    static func entered(_ state: inout AppState) -> [Effect]
    /// Draws everything between the tabs and the status line.
    static func draw(_ buffer: inout Buffer, _ body: Rect, _ state: AppState, theme: Theme, glyphs: Glyphs)
}

extension PaneFeature {
    static func escape(_ state: inout AppState) -> Bool { false }
    static func entered(_ state: inout AppState) -> [Effect] { [] }
    static var shortTitle: String { title }
}

/// The registry of panes, in tab order: pane N is number key N.
enum Panes {
    static let all: [any PaneFeature.Type] = [
        MachinesPane.self,
        ContainersPane.self,
        ImagesPane.self,
        LabsPane.self,
        NetworksPane.self,
        ClassPane.self,
        LogPane.self,
        HostsPane.self,
        DevicesPane.self,
    ]

    static func feature(_ pane: Pane) -> any PaneFeature.Type { all.first { $0.pane == pane } ?? all[0] }

    /// Its number key.
    static func number(_ pane: Pane) -> Int { (all.firstIndex { $0.pane == pane } ?? 0) + 1 }

    /// The pane `step` tabs away, wrapping around (Tab and Shift-Tab).
    static func neighbour(of pane: Pane, _ step: Int) -> Pane {
        let index = all.firstIndex { $0.pane == pane } ?? 0
        return all[((index + step) % all.count + all.count) % all.count].pane
    }
}

/// The layout the list panes share: the list above the detail, or beside it on a wide terminal.
func listAndDetail(_ body: Rect) -> (list: Rect, detail: Rect) {
    if body.width >= 140 { return body.splitLeft(body.width * 3 / 5) }
    return body.splitBottom(min(10, max(6, body.height * 2 / 5)))
}

/// Where the selected row is in `rows`: the one `isSelected` picks, else the first; nil for an empty list.
func selection<Rows: RandomAccessCollection>(in rows: Rows, isSelected: (Rows.Element) -> Bool) -> Int?
where Rows.Index == Int {
    rows.isEmpty ? nil : rows.firstIndex(where: isSelected) ?? 0
}

/// The row `delta` rows from `current` in `rows`, clamped to the list; nil for an empty list.
func row<Rows: RandomAccessCollection>(_ rows: Rows, from current: Int?, by delta: Int) -> Rows.Element?
where Rows.Index == Int {
    guard !rows.isEmpty else { return nil }
    return rows[min(max(0, (current ?? 0) + delta), rows.count - 1)]
}

/// The detail box beside a list: the selected row's name as its title, or an empty "Details" box.
func drawDetailBox<Row>(_ buffer: inout Buffer, _ rect: Rect, _ selected: Row?, title: (Row) -> String, theme: Theme,
                        glyphs: Glyphs, _ content: (inout Buffer, Rect, Row) -> Void) {
    guard let selected else {
        buffer.pane(rect, title: "Details", focused: false, theme: theme, glyphs: glyphs)
        return
    }
    content(&buffer, buffer.pane(rect, title: title(selected), focused: false, theme: theme, glyphs: glyphs), selected)
}
