import Inventory
import TermUI

/// A new network (n): name, mode, subnet, DHCP range.
public struct NetworkFormDialog: Dialog, Equatable {
    public var form = Form(["Name": "", "Mode": "nat", "Subnet": "192.168.150.0/24",
                            "DHCP range": "192.168.150.10-192.168.150.99"])

    public func handle(_ key: Key, in state: inout AppState) -> [Effect] {
        handleForm(self, \.form, key, in: &state) { dialog, state in Self.submit(&state, dialog.form) }
    }

    public var hints: [(String, String)] { Self.formHints("define") }

    public func draw(_ buffer: inout Buffer, _ state: AppState, theme: Theme, glyphs: Glyphs) {
        drawForm(&buffer, title: "New virtual network",
                 intro: "Mode: isolated (host-only), nat, route or open. Leave the subnet empty for none.", form,
                 hint: "Tab/↑↓ field   Enter define   Esc cancel", theme: theme, glyphs: glyphs)
    }

    /// The new-network form submitted: what the pane can tell at once (a name, a known mode) is checked here; the
    /// rest (subnet, range, clashes) by the port, in the words `virtlab net create` uses.
    static func submit(_ state: inout AppState, _ form: Form) -> [Effect] {
        let name = form["Name"].trimmingCharacters(in: .whitespaces)
        let mode = form["Mode"].trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { return refuse(&state, "the network needs a name") }
        guard NetworksPane.modes.contains(mode) else {
            return refuse(&state, "mode '\(mode)': use isolated, nat, route or open")
        }
        func optional(_ label: String) -> String? {
            let value = form[label].trimmingCharacters(in: .whitespaces)
            return value.isEmpty ? nil : value
        }
        state.modal = nil
        state.selectedNetwork = name
        return [.createNetwork(name: name, mode: mode, subnet: optional("Subnet"), dhcp: optional("DHCP range"))]
    }
}
