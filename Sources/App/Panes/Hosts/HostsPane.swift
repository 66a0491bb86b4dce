import Humanize
import Inventory
import TermUI

extension Pane {
    public static let hosts = Pane("hosts")
}

extension AppState {
    /// The selected connection's URI (the first one until another is chosen).
    public var selectedHost: String { selections[.hosts].flatMap { connections.contains($0) ? $0 : nil } ?? uri }
}

/// Pane 8: every host the dashboard watches, one row each — its state, hypervisor, CPUs, memory in use and its
/// VMs — and the selected one's details: where it is reached and, when lost, why and when it is tried again;
/// `r` tries a lost host again at once instead of waiting out its back-off.
enum HostsPane: PaneFeature {
    static let pane = Pane.hosts
    static let title = "Hosts"
    static let subject = "hosts"

    /// Counted only when there is more than the one.
    static func count(in state: AppState) -> Int? { state.watchesSeveralHosts ? state.connections.count : nil }

    static let bindings: [Binding] = [
        key("retry", [.character("r")], "retry a lost host now", footer: "retry") { state in
            let uri = state.selectedHost
            guard case .lost? = state.links[uri] else {
                return refuse(&state, "\(state.hostLabel(uri)) is not lost: nothing to retry")
            }
            state.schedule.links[uri]?.reconnectAt = state.now
            return []
        },
        key("evacuate", [.character("m")], "move every running VM of this host to another watched one (evacuate; Esc cancels)",
            footer: "evacuate", mutates: true) { state in
            let uri = state.selectedHost
            guard let snapshot = state.snapshots[uri] else {
                return refuse(&state, "\(state.hostLabel(uri)) has not answered: its VMs are not known")
            }
            let running = snapshot.machines.filter(\.state.isActive).map { MachineRef($0.key, $0.name) }
            guard !running.isEmpty else { return refuse(&state, "\(state.hostLabel(uri)) runs no VM: nothing to move") }
            return MigrateDialog.offer(&state, running)
        },
        key("recover", [.character("v")], "start a lost host's protected VMs on their standby hosts (vm recover)",
            footer: "recover", mutates: true) { state in
            let uri = state.selectedHost
            guard case .lost? = state.links[uri] else {
                return refuse(&state, "\(state.hostLabel(uri)) is not lost: its VMs run there (m moves them)")
            }
            let standbys = state.connections.filter { other in
                guard other != uri else { return false }
                if case .lost? = state.links[other] { return false }
                return true
            }
            guard !standbys.isEmpty else { return refuse(&state, "no other host answers to start them on") }
            setStatus(&state, "starting the VMs protected away from \(state.hostLabel(uri))…", .info)
            return [.recover(lostHome: uri, standbys: standbys)]
        },
    ]

    static func move(_ state: inout AppState, by delta: Int) -> [Effect] {
        let index = state.connections.firstIndex(of: state.selectedHost) ?? 0
        state.selections[.hosts] = row(state.connections, from: index, by: delta)
        return []
    }

    static func draw(_ buffer: inout Buffer, _ body: Rect, _ state: AppState, theme: Theme, glyphs: Glyphs) {
        let (list, detail) = listAndDetail(body)
        let hosts = state.connections
        let selected = hosts.firstIndex(of: state.selectedHost)
        let inner = buffer.pane(list, title: "Hosts", focused: true, theme: theme, glyphs: glyphs)
        let columns: [TableView.Column] = [
            .init("HOST", width: 0), .init("STATE", width: 10), .init("HYPERVISOR", width: 16),
            .init("CPUS", width: 4, rightAligned: true), .init("MEMORY USED", width: 17, rightAligned: true),
            .init("VMS UP", width: 7, rightAligned: true),
        ]
        TableView(columns: columns, rowCount: hosts.count, selected: selected, focused: state.modal == nil) { index in
            let uri = hosts[index], snapshot = state.snapshots[uri]
            let (word, style) = connectionWord(state, uri)
            return [.init(state.hostLabel(uri), theme[.text]), .init(word, theme[style]),
                    .init(snapshot.map { "\($0.hypervisor.type) \($0.hypervisor.version)" } ?? "-", theme[.text]),
                    .init(snapshot.map { "\($0.host.cpus)" } ?? "-", theme[.text]),
                    .init(snapshot.map { memoryInUse($0.host) } ?? "-", theme[.text]),
                    .init(snapshot.map { "\($0.machines.filter(\.state.isActive).count)/\($0.machines.count)" } ?? "-",
                          theme[.text])]
        }.draw(into: &buffer, rect: inner, theme: theme)
        drawDetailBox(&buffer, detail, selected.map { hosts[$0] }, title: state.hostLabel, theme: theme, glyphs: glyphs) {
            buffer, area, uri in
            var lines = ["URI        \(uri)", "State      \(connectionWord(state, uri).word)"]
            if case .lost(let message, let retryAt)? = state.links[uri] {
                lines.append("Lost       \(message)")
                lines.append("Retry in   \(max(0, Int((retryAt - state.now).rounded(.up))))s")
                lines.append("Recover    v starts its protected VMs on their standby hosts, where no disk is held")
            }
            if let snapshot = state.snapshots[uri] {
                let host = snapshot.host
                lines += [
                    "Host name  \(host.hostname)",
                    "Hypervisor \(snapshot.hypervisor.type) \(snapshot.hypervisor.version)",
                    "CPUs       \(host.cpus)",
                    "Memory     \(memoryInUse(host)) in use, \(Units.kibibytes(host.availableMemoryKiB)) available",
                    "VMs        \(snapshot.machines.filter(\.state.isActive).count) running of \(snapshot.machines.count)",
                ]
                if uri == state.uri { lines.append("Networks   \(snapshot.networks.count) (the Networks pane shows this host's)") }
            }
            buffer.textLines(lines.map { StyledLine($0, theme[.text]) }, in: area.inset(left: 1))
        }
    }

    static func connectionWord(_ state: AppState, _ uri: String) -> (word: String, style: Role) {
        switch state.links[uri] ?? .connecting {
        case .connected: ("connected", .stateRunning)
        case .connecting: ("connecting", .dim)
        case .lost: ("lost", .stateCrashed)
        }
    }

    static func memoryInUse(_ host: HostSample) -> String {
        "\(Units.kibibytes(host.memoryKiB - min(host.memoryKiB, host.availableMemoryKiB)))/\(Units.kibibytes(host.memoryKiB))"
    }
}
