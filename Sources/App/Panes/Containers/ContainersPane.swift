import Humanize
import Inventory
import TermUI

extension Pane {
    public static let containers = Pane("containers")
}

extension AppState {
    /// Containers that match the filter: running ones first, then by name.
    public var visibleContainers: [ContainerSample] {
        let needle = filter.lowercased()
        let all = engineSnapshot?.containers ?? []
        return (needle.isEmpty ? all : all.filter { $0.name.lowercased().contains(needle) })
            .sorted { ($0.state.isRunning ? 0 : 1, $0.name) < ($1.state.isRunning ? 0 : 1, $1.name) }
    }

    public func selectedContainerIndex(in visible: [ContainerSample]) -> Int? {
        selection(in: visible) { $0.key == selectedContainer }
    }

    public var selectedContainerSample: ContainerSample? {
        let visible = visibleContainers
        return selectedContainerIndex(in: visible).map { visible[$0] }
    }
}

/// Pane 2: containers on the Docker-compatible engine, live, with the selected one's details.
enum ContainersPane: PaneFeature {
    static let pane = Pane.containers
    static let title = "Containers"
    static let shortTitle = "CTs"
    static let subject = "containers"

    static func count(in state: AppState) -> Int? { state.engineSnapshot?.containers.count }

    static let bindings: [Binding] = [
        // `u` on a paused container thaws it, as `p` does: what a user pressing start wants.
        key("start", [.character("u")], "start (a paused one: unpause)", footer: "start", mutates: true) { state in
            request(&state, state.selectedContainerSample?.state == .paused ? .unpause : .start)
        },
        key("stop", [.character("d")], "stop (asks)", footer: "stop", mutates: true) { request(&$0, .stop) },
        key("restart", [.character("r")], "restart (asks)", mutates: true) { request(&$0, .restart) },
        key("pause", [.character("p")], "pause / unpause", footer: "pause", mutates: true) { state in
            request(&state, state.selectedContainerSample?.state == .paused ? .unpause : .pause)
        },
        key("remove", [.character("D"), .delete], "remove (asks)", mutates: true) { request(&$0, .remove) },
        key("shell", [.character("c")], "a shell inside (Ctrl-] leaves)", footer: "console", mutates: true) { state in
            withSelected(&state) { state, container in
                if let why = OpenShell.rule.refusal(container.name, container.state) {
                    return refuse(&state, why)
                }
                return [.openShell(name: container.name)]
            }
        },
        key("logs", [.character("l")], "its logs", footer: "logs") { state in
            withSelected(&state) { _, container in [.fetchLogs(name: container.name)] }
        },
    ]

    /// Acts on the selected container, or says why there is none.
    private static func withSelected(_ state: inout AppState,
                                     _ body: (inout AppState, ContainerSample) -> [Effect]) -> [Effect] {
        guard let container = state.selectedContainerSample else {
            if case .unavailable(let why) = state.engine { return refuse(&state, why) }
            return refuse(&state, "no container selected")
        }
        return body(&state, container)
    }

    private static func request(_ state: inout AppState, _ action: ContainerAction) -> [Effect] {
        withSelected(&state) { state, container in
            ask(&state, action.rule, container.state, container.name, confirming: .container(action), container.key,
                then: .performOnContainer(action, container.key, name: container.name))
        }
    }

    static func move(_ state: inout AppState, by delta: Int) -> [Effect] {
        let visible = state.visibleContainers
        guard let next = row(visible, from: state.selectedContainerIndex(in: visible), by: delta) else { return [] }
        state.selectedContainer = next.key
        return []
    }

    static func draw(_ buffer: inout Buffer, _ body: Rect, _ state: AppState, theme: Theme, glyphs: Glyphs) {
        let (list, detail) = listAndDetail(body)
        let containers = state.visibleContainers
        let selected = state.selectedContainerIndex(in: containers)
        drawContainers(&buffer, list, state, containers, selected, theme: theme, glyphs: glyphs)
        drawDetailBox(&buffer, detail, selected.map { containers[$0] }, title: \.name, theme: theme, glyphs: glyphs) {
            drawContainerDetail(&$0, $1, $2, state, theme: theme, glyphs: glyphs)
        }
    }
}

private func containerStateRole(_ state: ContainerRunState) -> Role {
    switch state {
    case .running: .stateRunning
    case .paused, .restarting, .stopping, .removing: .statePaused
    case .created, .exited: .stateOff
    case .dead: .stateCrashed
    case .unknown: .stateOther
    }
}

private func drawContainers(_ buffer: inout Buffer, _ rect: Rect, _ state: AppState, _ containers: [ContainerSample],
                            _ selected: Int?, theme: Theme, glyphs: Glyphs) {
    let engine = state.engineSnapshot.map { " · \($0.engine.product) \($0.engine.version)" } ?? ""
    let inner = buffer.pane(rect, title: "Containers\(engine)", focused: true, theme: theme, glyphs: glyphs)
    let message: (String, Role)? = switch state.engine {
    case .connecting: ("Looking for a container engine…", .dim)
    case .unavailable(let why): (why, .statusWarning)
    case .connected where containers.isEmpty:
        (state.filter.isEmpty ? "No containers on \(state.engineSnapshot?.endpoint ?? "the engine")."
            : "No container matches '\(state.filter)' (Esc clears).", .dim)
    case .connected: nil
    }
    if let (text, role) = message {
        buffer.textLines(wrap(text, width: inner.width - 2).map { StyledLine($0, theme[role]) },
                         in: Rect(x: inner.x + 1, y: inner.y + 1, width: inner.width - 2, height: inner.height - 1))
        return
    }
    let columns: [TableView.Column] = [
        .init("NAME", width: 0), .init("STATE", width: 9), .init("IMAGE", width: 0),
        .init("CPU%", width: 6, rightAligned: true), .init("MEMORY", width: 7, rightAligned: true),
        .init("NET RX", width: 6, rightAligned: true), .init("NET TX", width: 6, rightAligned: true),
        .init("BLK R", width: 6, rightAligned: true), .init("BLK W", width: 6, rightAligned: true),
    ]
    let text = theme[.text]
    TableView(columns: columns, rowCount: containers.count, selected: selected, focused: state.modal == nil) { index in
        let container = containers[index]
        let rate = state.containerRates[container.key]
        let active = container.state.isRunning
        let rateText = { (value: Double?) in rateCell(value, active: active) }
        let cpu = state.cpuPercent(rate)
        return [
            .init(container.name, text), .init(container.state.rawValue, theme[containerStateRole(container.state)]),
            .init(container.image, theme[.dim]),
            .init(active ? cpu.map { Units.oneDecimal($0) } ?? "-" : "", text),
            .init(active ? container.usage.map { Units.compact(Double($0.memoryBytes)) } ?? "-" : "", text),
            .init(rateText(rate?.netRxPerSecond), text), .init(rateText(rate?.netTxPerSecond), text),
            .init(rateText(rate?.diskReadPerSecond), text), .init(rateText(rate?.diskWritePerSecond), text),
        ]
    }.draw(into: &buffer, rect: inner, theme: theme)
}

private func drawContainerDetail(_ buffer: inout Buffer, _ rect: Rect, _ container: ContainerSample,
                                 _ state: AppState, theme: Theme, glyphs: Glyphs) {
    let area = rect.inset(left: 1)
    let label = theme[.dim], text = theme[.text]
    let summary = container
    var lines = [
        StyledLine([.init(summary.state.rawValue, theme[containerStateRole(summary.state)]),
                    .init("  \(summary.status)", label)]),
        StyledLine([.init("ID    ", label), .init(String(summary.id.prefix(12)), text),
                    .init("  created \(Units.timestamp(summary.created))", label)]),
        StyledLine([.init("IMAGE ", label), .init(summary.image, text)]),
        StyledLine([.init("CMD   ", label), .init(summary.command, text)]),
        StyledLine([.init("PORTS ", label),
                    .init(summary.ports.isEmpty ? "none" : summary.ports.joined(separator: ", "), text)]),
    ]
    if let stats = container.usage {
        let limit = stats.memoryLimitBytes > 0 ? " of \(Units.bytes(Double(stats.memoryLimitBytes)))" : ""
        lines.append(StyledLine([.init("MEM   ", label), .init("\(Units.bytes(Double(stats.memoryBytes)))\(limit)", text)]))
    }
    buffer.textLines(lines, in: area)
}
