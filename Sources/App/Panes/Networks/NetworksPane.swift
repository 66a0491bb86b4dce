import Humanize
import Inventory
import TermUI

extension Pane {
    public static let networks = Pane("networks")
}

extension AppState {
    /// Networks that match the filter, by name.
    public var visibleNetworks: [NetworkSample] {
        let needle = filter.lowercased()
        let all = (snapshot?.networks ?? []).sorted { $0.name < $1.name }
        return needle.isEmpty ? all : all.filter { $0.name.lowercased().contains(needle) }
    }

    public var selectedNetworkIndex: Int? {
        selection(in: visibleNetworks) { $0.name == selectedNetwork }
    }

    public var selectedNetworkSample: NetworkSample? { selectedNetworkIndex.map { visibleNetworks[$0] } }
}

/// Pane 5: libvirt's virtual networks (host-only, NAT, routed): their mode, subnet and DHCP range; start,
/// stop, autostart, delete.
enum NetworksPane: PaneFeature {
    static let pane = Pane.networks
    static let title = "Networks"
    static let shortTitle = "Nets"
    static let subject = "networks"

    static func count(in state: AppState) -> Int? { state.snapshot?.networks.count }

    static let bindings: [Binding] = [
        key("start", [.character("u")], "start the network", footer: "start", mutates: true) { request(&$0, .start) },
        key("stop", [.character("d")], "stop the network (asks)", footer: "stop", mutates: true) { request(&$0, .stop) },
        key("autostart", [.character("a")], "autostart on / off", footer: "autostart", mutates: true) { state in
            request(&state, .autostart(!(state.selectedNetworkSample?.autostart ?? false)))
        },
        key("delete", [.character("D"), .delete], "delete the network (asks, naming the VMs on it)", mutates: true) {
            request(&$0, .delete(inUseBy: $0.selectedNetworkSample?.machines ?? []))
        },
        key("create", [.character("n")], "new network: name, mode, subnet, DHCP range", footer: "new", mutates: true) {
            $0.modal = NetworkFormDialog()
            return []
        },
    ]

    static let modes = ["isolated", "nat", "route", "open"]

    /// An action the table allows goes ahead, after a confirmation when the table warns.
    private static func request(_ state: inout AppState, _ action: NetworkAction) -> [Effect] {
        guard let network = state.selectedNetworkSample else { return refuse(&state, "no network selected") }
        let key = MachineKey(connection: state.uri, uuid: network.uuid)
        return ask(&state, action.rule, network.state, network.name, confirming: .network(action), key,
                   then: .performOnNetwork(action, name: network.name))
    }

    static func move(_ state: inout AppState, by delta: Int) -> [Effect] {
        guard let next = row(state.visibleNetworks, from: state.selectedNetworkIndex, by: delta) else { return [] }
        state.selectedNetwork = next.name
        return []
    }

    static func draw(_ buffer: inout Buffer, _ body: Rect, _ state: AppState, theme: Theme, glyphs: Glyphs) {
        let (list, detail) = listAndDetail(body)
        let networks = state.visibleNetworks
        let selected = state.selectedNetworkIndex
        let inner = buffer.pane(list, title: "Virtual networks", focused: true, theme: theme, glyphs: glyphs)
        if networks.isEmpty {
            let text = state.snapshot == nil ? "Connecting…"
                : state.filter.isEmpty ? "No virtual networks (virtlab net create NAME --mode nat --subnet CIDR)."
                : "No network matches '\(state.filter)' (Esc clears)."
            buffer.write(text, x: inner.x + 1, y: inner.y + 1, style: theme[.dim], maxX: inner.maxX)
        } else {
            let columns: [TableView.Column] = [
                .init("NAME", width: 0), .init("STATE", width: 8), .init("AUTO", width: 4), .init("MODE", width: 8),
                .init("BRIDGE", width: 9), .init("SUBNET", width: 18), .init("LEASES", width: 6, rightAligned: true),
                .init("VMS", width: 0),
            ]
            let text = theme[.text]
            TableView(columns: columns, rowCount: networks.count, selected: selected, focused: state.modal == nil) { index in
                let network = networks[index]
                return [.init(network.name, text),
                        .init(network.state.rawValue, theme[network.state == .active ? .stateRunning : .stateOff]),
                        .init(network.autostart ? "yes" : "no", text), .init(network.mode, text),
                        .init(network.bridge ?? "-", text), .init(network.subnet ?? "-", text),
                        .init(network.leases.map { "\($0.count)" } ?? "-", text),
                        .init(network.machines.isEmpty ? "-" : network.machines.joined(separator: ","), text)]
            }.draw(into: &buffer, rect: inner, theme: theme)
        }
        drawDetailBox(&buffer, detail, selected.map { networks[$0] }, title: \.name, theme: theme, glyphs: glyphs) {
            buffer, area, network in
            let leases: [String] = switch network.leases {
            case nil: ["Leases     this driver does not report leases"]
            case let leases? where leases.isEmpty: ["Leases     none yet"]
            case let leases?:
                leases.map { "Lease      \($0.address)  \($0.mac)  \($0.hostname ?? "")" }
            }
            let lines = [
                "State      \(network.state.rawValue)\(network.autostart ? ", starts with libvirtd" : "")",
                "Mode       \(network.mode)  (\(explanation(network.mode)))",
                "Subnet     \(network.subnet ?? "none")  bridge \(network.bridge ?? "-")",
                "DHCP       \(network.dhcpRange ?? "none")",
                "VMs        \(network.machines.isEmpty ? "none" : network.machines.joined(separator: ", "))",
            ] + leases
            buffer.textLines(lines.map { StyledLine($0, theme[.text]) }, in: area.inset(left: 1))
        }
    }

    /// What the mode means for a guest on it, in the course's words.
    static func explanation(_ mode: String) -> String {
        switch mode {
        case "isolated": "host-only: guests reach each other and the host only"
        case "nat": "guests reach out via the host; the LAN cannot reach them"
        case "route": "guests are routed, not translated: reachable with a route"
        case "open": "routed, and libvirt adds no firewall rules"
        case "bridge": "bridged: guests are peers on the host's LAN"
        default: mode
        }
    }
}
