import TermUI

/// Every key the dashboard knows, in one table: the footer and the help screen are both drawn from it, so
/// neither can drift from what the keys really do.
public struct Binding: Sendable {
    public enum Command: Sendable, Equatable {
        case nextPane, previousPane, showPane(Pane)
        case up, down, pageUp, pageDown, top, bottom
        case filter, sortNext, sortReverse, cpuMode, faster, slower, refresh, help, theme, quit
        case start, shutdown, reboot, forceOff, pauseOrResume, snapshot, revert, delete, console, xml
    }

    public let keys: [Key]
    public let command: Command
    public let summary: String
    /// The footer's short word for it, for the few keys the footer shows; nil keeps it to the help screen.
    public let footer: String?
    /// Changes a machine: hidden on a read-only connection.
    public let mutates: Bool

    public var isMachineAction: Bool {
        switch command {
        case .start, .shutdown, .reboot, .forceOff, .pauseOrResume, .snapshot, .revert, .delete, .console, .xml: true
        default: false
        }
    }
}

public enum Keymap {
    public static let bindings: [Binding] = [
        .init(keys: [.tab], command: .nextPane, summary: "next pane", footer: nil, mutates: false),
        .init(keys: [.backTab], command: .previousPane, summary: "previous pane", footer: nil, mutates: false),
        .init(keys: [.character("1")], command: .showPane(.machines), summary: "virtual machines", footer: nil,
              mutates: false),
        .init(keys: [.character("2")], command: .showPane(.containers), summary: "containers", footer: nil,
              mutates: false),
        .init(keys: [.character("3")], command: .showPane(.images), summary: "images", footer: nil, mutates: false),
        .init(keys: [.up, .character("k")], command: .up, summary: "move up", footer: nil, mutates: false),
        .init(keys: [.down, .character("j")], command: .down, summary: "move down", footer: nil, mutates: false),
        .init(keys: [.pageUp, .control("b")], command: .pageUp, summary: "page up", footer: nil, mutates: false),
        .init(keys: [.pageDown, .control("f")], command: .pageDown, summary: "page down", footer: nil,
              mutates: false),
        .init(keys: [.home, .character("g")], command: .top, summary: "first row", footer: nil, mutates: false),
        .init(keys: [.end, .character("G")], command: .bottom, summary: "last row", footer: nil, mutates: false),
        .init(keys: [.character("/")], command: .filter, summary: "filter by name", footer: "filter", mutates: false),
        .init(keys: [.character("s")], command: .sortNext, summary: "sort by the next column", footer: nil,
              mutates: false),
        .init(keys: [.character("S")], command: .sortReverse, summary: "reverse the sort", footer: nil,
              mutates: false),
        .init(keys: [.character("%")], command: .cpuMode, summary: "CPU% of one core / of the host", footer: nil,
              mutates: false),
        .init(keys: [.character("+")], command: .faster, summary: "refresh more often", footer: nil, mutates: false),
        .init(keys: [.character("-")], command: .slower, summary: "refresh less often", footer: nil, mutates: false),
        .init(keys: [.control("l")], command: .refresh, summary: "refresh now", footer: nil, mutates: false),
        .init(keys: [.character("T")], command: .theme, summary: "next theme", footer: nil, mutates: false),
        .init(keys: [.character("u")], command: .start, summary: "start (up)", footer: "start", mutates: true),
        .init(keys: [.character("d")], command: .shutdown, summary: "shut down (asks)", footer: "stop", mutates: true),
        .init(keys: [.character("r")], command: .reboot, summary: "reboot (asks)", footer: nil, mutates: true),
        .init(keys: [.character("F")], command: .forceOff, summary: "force off (asks)", footer: nil, mutates: true),
        .init(keys: [.character("p")], command: .pauseOrResume, summary: "pause / resume", footer: "pause",
              mutates: true),
        .init(keys: [.character("n")], command: .snapshot, summary: "new snapshot", footer: nil, mutates: true),
        .init(keys: [.character("R")], command: .revert, summary: "revert to a snapshot (asks)", footer: nil,
              mutates: true),
        .init(keys: [.character("D"), .delete], command: .delete, summary: "delete (type the name)", footer: nil,
              mutates: true),
        .init(keys: [.character("c")], command: .console, summary: "serial console (Ctrl-] leaves)", footer: "console",
              mutates: true),
        .init(keys: [.character("x")], command: .xml, summary: "domain XML", footer: nil, mutates: false),
        .init(keys: [.character("?"), .function(1)], command: .help, summary: "help: every key", footer: "help",
              mutates: false),
        .init(keys: [.character("q"), .control("c")], command: .quit, summary: "quit", footer: "quit", mutates: false),
    ]

    static let lookup: [Key: Binding] = {
        var map: [Key: Binding] = [:]
        for binding in bindings { for key in binding.keys { map[key] = binding } }
        return map
    }()

    public static func binding(for key: Key) -> Binding? { lookup[key] }

    /// The bindings that apply in `state`: machine actions only on the machine pane, nothing that changes
    /// anything on a read-only connection.
    public static func applicable(_ state: AppState) -> [Binding] {
        bindings.filter { binding in
            if binding.mutates && state.readOnly { return false }
            if binding.isMachineAction && state.focus != .machines { return false }
            return true
        }
    }
}
