import TermUI

/// One key (or a few synonyms) and what it does. The footer and the help screen are both drawn from the
/// bindings, so neither can drift from what the keys really do.
public struct Binding: Sendable {
    /// Names it in tests: "quit", "machines.start", "labs.check".
    public let id: String
    public let keys: [Key]
    public let summary: String
    /// The footer's short word for it, for the few keys the footer shows; nil keeps it to the help screen.
    public let footer: String?
    /// Changes a machine: hidden on a read-only connection.
    public let mutates: Bool
    /// The pane it works in; nil: anywhere.
    public let pane: Pane?
    let perform: @Sendable (inout AppState) -> [Effect]

    init(_ id: String, _ keys: [Key], _ summary: String, footer: String? = nil, mutates: Bool = false, pane: Pane? = nil,
         perform: @escaping @Sendable (inout AppState) -> [Effect]) {
        self.id = id
        self.keys = keys
        self.summary = summary
        self.footer = footer
        self.mutates = mutates
        self.pane = pane
        self.perform = perform
    }

    public func works(in pane: Pane) -> Bool { self.pane == nil || self.pane == pane }
}

extension PaneFeature {
    /// A key of this pane: its id is prefixed with the pane's, and it works only here.
    static func key(_ id: String, _ keys: [Key], _ summary: String, footer: String? = nil, mutates: Bool = false,
                    perform: @escaping @Sendable (inout AppState) -> [Effect]) -> Binding {
        Binding("\(pane.id).\(id)", keys, summary, footer: footer, mutates: mutates, pane: pane, perform: perform)
    }
}

public enum Keymap {
    /// Keys that work in every pane; the number keys come from the pane registry.
    static let global: [Binding] = [
        Binding("nextPane", [.tab], "next pane") { focus(&$0, Panes.neighbour(of: $0.focus, 1)) },
        Binding("previousPane", [.backTab], "previous pane") { focus(&$0, Panes.neighbour(of: $0.focus, -1)) },
    ] + Panes.all.enumerated().map { index, feature in
        let pane = feature.pane
        return Binding("show.\(pane.id)", [.character(Character("\(index + 1)"))], feature.title.lowercased()) {
            focus(&$0, pane)
        }
    } + [
        Binding("up", [.up, .character("k")], "move up") { move(&$0, by: -1) },
        Binding("down", [.down, .character("j")], "move down") { move(&$0, by: 1) },
        Binding("pageUp", [.pageUp, .control("b")], "page up") { move(&$0, by: -10) },
        Binding("pageDown", [.pageDown, .control("f")], "page down") { move(&$0, by: 10) },
        Binding("top", [.home, .character("g")], "first row") { move(&$0, by: -Int.max / 2) },
        Binding("bottom", [.end, .character("G")], "last row") { move(&$0, by: Int.max / 2) },
        Binding("filter", [.character("/")], "filter by name", footer: "filter") {
            $0.editingFilter = true
            return []
        },
        Binding("sortNext", [.character("s")], "sort by the next column", perform: sortNext),
        Binding("sortReverse", [.character("S")], "reverse the sort", perform: sortReverse),
        Binding("cpuMode", [.character("%")], "CPU% of one core / of the host", perform: toggleCPUMode),
        Binding("faster", [.character("+")], "refresh more often") { changeRefresh(&$0, by: 0.5) },
        Binding("slower", [.character("-")], "refresh less often") { changeRefresh(&$0, by: 2) },
        Binding("refresh", [.control("l")], "refresh now") { state in refreshNow(&state) },
        Binding("theme", [.character("T")], "next theme") { _ in [.cycleTheme] },
    ]

    /// Keys that end the help screen's list and the footer: always there.
    static let last: [Binding] = [
        Binding("help", [.character("?"), .function(1)], "help: every key", footer: "help") {
            $0.modal = HelpDialog()
            return []
        },
        Binding("quit", [.character("q"), .control("c")], "quit", footer: "quit") {
            $0.quitRequested = true
            return [.quit]
        },
    ]

    /// Every binding: the global ones, each pane's in registry order, then help and quit.
    public static let bindings: [Binding] = global + Panes.all.flatMap { $0.bindings } + last

    static let lookup: [Key: [Binding]] = {
        var map: [Key: [Binding]] = [:]
        for binding in bindings { for key in binding.keys { map[key, default: []].append(binding) } }
        return map
    }()

    /// A key may mean one thing in a pane and another elsewhere (c: console, or check a lab step): the
    /// binding of the pane in focus wins, then a global one, then another pane's (which says where it works).
    public static func binding(for key: Key, in pane: Pane) -> Binding? {
        let candidates = lookup[key] ?? []
        return candidates.first { $0.pane == pane } ?? candidates.first { $0.pane == nil } ?? candidates.first
    }

    /// Where a key of another pane works, for the status line: "works on virtual machines and containers:
    /// press 1 or 2".
    static func hint(for key: Key) -> String {
        let panes = Panes.all.filter { feature in (lookup[key] ?? []).contains { $0.pane == feature.pane } }
        func list(_ words: [String], _ last: String) -> String {
            words.count < 2 ? words.joined() : words.dropLast().joined(separator: ", ") + " \(last) " + words[words.count - 1]
        }
        return "works on \(list(panes.map { $0.subject }, "and")): press \(list(panes.map { "\(Panes.number($0.pane))" }, "or"))"
    }

    /// The bindings that apply in `state`: actions only on the panes they work in, nothing that changes
    /// anything on a read-only connection.
    public static func applicable(_ state: AppState) -> [Binding] {
        bindings.filter { $0.works(in: state.focus) && !($0.mutates && state.readOnly) }
    }
}
