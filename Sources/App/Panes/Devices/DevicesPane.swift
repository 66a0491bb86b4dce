import Inventory
import TermUI

extension Pane {
    public static let devices = Pane("devices")
}

extension AppState {
    /// The Devices pane's rows: the selected host's devices, GPUs only while `showsGPUsOnly`.
    var visibleHostDevices: [HostDeviceRow] {
        (hostDevices[selectedHost] ?? []).filter { !showsGPUsOnly || $0.isGPU }
    }

    var selectedHostDevice: HostDeviceRow? {
        let rows = visibleHostDevices
        return selection(in: rows) { $0.address == selections[.devices] }.map { rows[$0] }
    }
}

/// Pane 9: the selected host's PCI and USB devices (`virtlab host devices`): class, driver, IOMMU group, whether each
/// can be given to a guest and what stands in the way, how it can be split. `b` binds a PCI device to vfio-pci,
/// `B` gives it back; a VM gets one in its hardware dialog (e in pane 1).
enum DevicesPane: PaneFeature {
    static let pane = Pane.devices
    static let title = "Devices"
    static let shortTitle = "Devs"
    static let subject = "host devices"

    static func count(in state: AppState) -> Int? { state.hostDevices[state.selectedHost].map { _ in state.visibleHostDevices.count } }

    static func entered(_ state: inout AppState) -> [Effect] {
        state.hostDevices[state.selectedHost] == nil ? [.fetchHostDevices(connection: state.selectedHost)] : []
    }

    static let bindings: [Binding] = [
        key("reread", [.character("r")], "read the host's devices again", footer: "reread") { state in
            setStatus(&state, "reading the devices of \(state.hostLabel(state.selectedHost))…", .info)
            return [.fetchHostDevices(connection: state.selectedHost)]
        },
        key("gpus", [.character("o")], "only GPUs / every device", footer: "GPUs") { state in
            state.showsGPUsOnly.toggle()
            return []
        },
        key("bind", [.character("b")], "bind to vfio-pci for passthrough (asks)", footer: "bind", mutates: true) { bind(&$0, release: false) },
        key("release", [.character("B")], "give back to the host's driver (asks)", mutates: true) { bind(&$0, release: true) },
    ]

    static func bind(_ state: inout AppState, release: Bool) -> [Effect] {
        guard let device = state.selectedHostDevice else { return refuse(&state, "no device selected (r reads them)") }
        guard device.isPCI else { return refuse(&state, "\(device.address) is a \(device.kind): it needs no binding, give it to a VM as it is") }
        if !release && device.passthrough == "no" { return refuse(&state, "\(device.address) cannot be bound to vfio-pci: \(device.reason)") }
        state.modal = BindDeviceDialog(connection: state.selectedHost, device: device, release: release)
        return []
    }

    static func move(_ state: inout AppState, by delta: Int) -> [Effect] {
        let rows = state.visibleHostDevices
        state.selections[.devices] = row(rows, from: selection(in: rows) { $0.address == state.selections[.devices] }, by: delta)?.address
        return []
    }

    static func draw(_ buffer: inout Buffer, _ body: Rect, _ state: AppState, theme: Theme, glyphs: Glyphs) {
        let (list, detail) = listAndDetail(body)
        let rows = state.visibleHostDevices
        let selected = selection(in: rows) { $0.address == state.selections[.devices] }
        let title = "Devices of \(state.hostLabel(state.selectedHost))\(state.showsGPUsOnly ? " · GPUs" : "")"
        let inner = buffer.pane(list, title: title, focused: true, theme: theme, glyphs: glyphs)
        guard state.hostDevices[state.selectedHost] != nil else {
            _ = buffer.write("reading the host's devices…", x: inner.x + 1, y: inner.y, style: theme[.dim], maxX: inner.maxX)
            return
        }
        let columns: [TableView.Column] = [
            .init("ADDRESS", width: 12), .init("CLASS", width: 19), .init("DEVICE", width: 0), .init("DRIVER", width: 10),
            .init("GROUP", width: 5, rightAligned: true), .init("PASS", width: 7),
        ]
        TableView(columns: columns, rowCount: rows.count, selected: selected, focused: state.modal == nil) { index in
            let row = rows[index]
            let verdict: Role = switch row.passthrough { case "yes": .stateRunning; case "no": .stateCrashed; default: .statePaused }
            return [.init(row.address, theme[.text]), .init(row.kind, theme[.text]), .init(row.device, theme[.text]),
                    .init(row.driver ?? "-", theme[.text]), .init(row.iommuGroup.map(String.init) ?? "-", theme[.text]),
                    .init(row.passthrough, theme[verdict])]
        }.draw(into: &buffer, rect: inner, theme: theme)
        drawDetailBox(&buffer, detail, selected.map { rows[$0] }, title: { "\($0.address) \($0.kind)" }, theme: theme,
                      glyphs: glyphs) { buffer, area, row in
            var lines = [("Device", row.device), ("Driver", row.driver ?? "none"),
                         ("Group", row.iommuGroup.map { "IOMMU group \($0)" } ?? "none"),
                         ("Passthru", "\(row.passthrough): \(row.reason)")]
            lines += row.splits.map { ("Splits", $0) }
            // What to do with it, where it can go to a guest at all.
            if row.passthrough != "no" {
                if row.isPCI { lines.append(("Bind", "b: \(row.bindCommand(release: false, uri: state.selectedHost))")) }
                lines.append(("To a VM", "e on the VM in pane 1: give host device \(row.address)"))
            }
            // Reasons are sentences: wrapped under their label rather than cut.
            let wrapped = lines.flatMap { label, value in
                wrap(value, width: max(20, area.width - 13)).enumerated().map { index, part in
                    (index == 0 ? label : "").padding(toLength: 11, withPad: " ", startingAt: 0) + part
                }
            }
            buffer.textLines(wrapped.map { StyledLine($0, theme[.text]) }, in: area.inset(left: 1))
        }
    }
}

/// "Bind 0000:65:00.0 to vfio-pci?": the host stops using the device (or gets it back), with the virsh line.
struct BindDeviceDialog: Dialog, Equatable {
    let connection: String
    let device: HostDeviceRow
    let release: Bool

    func handle(_ key: Key, in state: inout AppState) -> [Effect] {
        switch key {
        case .character("y"), .character("Y"):
            state.modal = nil
            setStatus(&state, "\(release ? "giving back" : "binding") \(device.address)…", .info)
            return [.bindHostDevice(connection: connection, device, release: release)]
        case .character("n"), .character("N"), .escape, .character("q"):
            state.modal = nil
            setStatus(&state, "\(release ? "give back" : "bind") \(device.address): cancelled", .info)
        default: break
        }
        return []
    }

    var hints: [(String, String)] { [("y", "yes"), ("n/Esc", "no")] }

    func draw(_ buffer: inout Buffer, _ state: AppState, theme: Theme, glyphs: Glyphs) {
        let lines = [release ? "Give \(device.address) back to the host's driver?" : "Bind \(device.address) to vfio-pci?",
                     release ? "The host's driver takes it again; a VM that has it loses it."
                             : "The host stops using it (\(device.driver ?? "no driver")) until it is given back.",
                     "Same as:", "  " + device.bindCommand(release: release, uri: connection), "", "y  yes        n  no"]
        dialog(&buffer, title: "Confirm", lines: lines, theme: theme, glyphs: glyphs)
    }
}
