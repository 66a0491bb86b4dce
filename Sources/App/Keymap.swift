import TermUI

/// Every key the dashboard knows, in one table: the footer and the help screen are both drawn from it, so
/// neither can drift from what the keys really do.
public struct Binding: Sendable {
    public enum Command: Sendable, Equatable {
        case nextPane, previousPane, showPane(Pane)
        case up, down, pageUp, pageDown, top, bottom
        case filter, sortNext, sortReverse, cpuMode, faster, slower, refresh, help, theme, quit
        case start, shutdown, reboot, forceOff, pauseOrResume, snapshot, revert, delete, console, xml, logs, clone
        case launch
        case openLab, checkStep, nextHint, evidence, nextStep, previousStep, gradeLab
    }

    /// Which panes a key works in.
    public enum Scope: Sendable, Equatable {
        case anywhere, machines, containers, machinesAndContainers, images, labs

        public func includes(_ pane: Pane) -> Bool {
            switch self {
            case .anywhere: true
            case .machines: pane == .machines
            case .containers: pane == .containers
            case .machinesAndContainers: pane == .machines || pane == .containers
            case .images: pane == .images
            case .labs: pane == .labs
            }
        }

        /// Where to go for it, for the status line when pressed elsewhere.
        var hint: String {
            switch self {
            case .anywhere: ""
            case .machines: "works on virtual machines: press 1"
            case .containers: "works on containers: press 2"
            case .machinesAndContainers: "works on virtual machines and containers: press 1 or 2"
            case .images: "works on disk images: press 3"
            case .labs: "works in labs: press 4"
            }
        }
    }

    public let keys: [Key]
    public let command: Command
    public let summary: String
    /// The footer's short word for it, for the few keys the footer shows; nil keeps it to the help screen.
    public let footer: String?
    /// Changes a machine: hidden on a read-only connection.
    public let mutates: Bool
    public let scope: Scope

    init(keys: [Key], command: Command, summary: String, footer: String?, mutates: Bool, scope: Scope = .anywhere) {
        self.keys = keys
        self.command = command
        self.summary = summary
        self.footer = footer
        self.mutates = mutates
        self.scope = scope
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
        .init(keys: [.character("4")], command: .showPane(.labs), summary: "labs", footer: nil, mutates: false),
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
        .init(keys: [.character("u")], command: .start, summary: "start (up)", footer: "start", mutates: true,
              scope: .machinesAndContainers),
        .init(keys: [.character("d")], command: .shutdown, summary: "shut down a VM, stop a container (asks)",
              footer: "stop", mutates: true, scope: .machinesAndContainers),
        .init(keys: [.character("r")], command: .reboot, summary: "reboot / restart (asks)", footer: nil, mutates: true,
              scope: .machinesAndContainers),
        .init(keys: [.character("F")], command: .forceOff, summary: "force off (asks)", footer: nil, mutates: true,
              scope: .machines),
        .init(keys: [.character("p")], command: .pauseOrResume, summary: "pause / resume", footer: "pause",
              mutates: true, scope: .machinesAndContainers),
        .init(keys: [.character("n")], command: .snapshot, summary: "new snapshot", footer: nil, mutates: true,
              scope: .machines),
        .init(keys: [.character("R")], command: .revert, summary: "revert to a snapshot (asks)", footer: nil,
              mutates: true, scope: .machines),
        .init(keys: [.character("D"), .delete], command: .delete, summary: "delete a VM (type its name), remove a container (asks)",
              footer: nil, mutates: true, scope: .machinesAndContainers),
        .init(keys: [.character("c")], command: .console, summary: "a VM's serial console, a shell in a container (Ctrl-] leaves)",
              footer: "console", mutates: true, scope: .machinesAndContainers),
        .init(keys: [.character("C")], command: .clone, summary: "clone a shut-off VM (Tab: new identity)", footer: nil,
              mutates: true, scope: .machines),
        .init(keys: [.character("L")], command: .launch, summary: "launch a VM from the disk image (cloud-init)",
              footer: "launch", mutates: true, scope: .images),
        .init(keys: [.character("x")], command: .xml, summary: "domain XML", footer: nil, mutates: false, scope: .machines),
        .init(keys: [.character("l")], command: .logs, summary: "a container's logs", footer: "logs", mutates: false,
              scope: .containers),
        .init(keys: [.enter], command: .openLab, summary: "open the lab (Esc: back to the list)", footer: "open",
              mutates: false, scope: .labs),
        .init(keys: [.character("c")], command: .checkStep, summary: "check this step", footer: "check", mutates: false,
              scope: .labs),
        .init(keys: [.character("h")], command: .nextHint, summary: "show the next hint", footer: "hint", mutates: false,
              scope: .labs),
        .init(keys: [.character("e")], command: .evidence, summary: "show or hide the evidence of each check",
              footer: "evidence", mutates: false, scope: .labs),
        .init(keys: [.right, .character("]")], command: .nextStep, summary: "next step", footer: "step", mutates: false,
              scope: .labs),
        .init(keys: [.left, .character("[")], command: .previousStep, summary: "previous step", footer: nil,
              mutates: false, scope: .labs),
        .init(keys: [.character("a")], command: .gradeLab, summary: "grade the whole lab (every step)", footer: "grade",
              mutates: false, scope: .labs),
        .init(keys: [.character("?"), .function(1)], command: .help, summary: "help: every key", footer: "help",
              mutates: false),
        .init(keys: [.character("q"), .control("c")], command: .quit, summary: "quit", footer: "quit", mutates: false),
    ]

    static let lookup: [Key: [Binding]] = {
        var map: [Key: [Binding]] = [:]
        for binding in bindings { for key in binding.keys { map[key, default: []].append(binding) } }
        return map
    }()

    /// A key may mean one thing in a pane and another elsewhere (c: console, or check a lab step): the
    /// binding for the pane in focus wins.
    public static func binding(for key: Key, in pane: Pane) -> Binding? {
        let candidates = lookup[key] ?? []
        return candidates.first { $0.scope.includes(pane) } ?? candidates.first
    }

    /// The bindings that apply in `state`: actions only on the panes they work in, nothing that changes
    /// anything on a read-only connection.
    public static func applicable(_ state: AppState) -> [Binding] {
        bindings.filter { binding in
            if binding.mutates && state.readOnly { return false }
            if !binding.scope.includes(state.focus) { return false }
            return true
        }
    }
}
