/// `virtlab net autostart`; `a` in the Networks pane.
public struct NetworkAutostart: NetworkOperation {
    public static let rule = ActionRule<NetworkState>(
        "toggle autostart of", done: "toggled autostart of",
        same: CommandTemplate("virsh net-autostart", .slot(.name), .when(.disable, [.fixed("--disable")])),
        commandLine: CommandLineHelp("autostart", "Start a network when libvirtd starts (or stop doing so)."))

    public let on: Bool

    public var verb: String { "turn autostart \(on ? "on" : "off") for" }
    public var values: CommandTemplate.Values { CommandTemplate.Values(on: on ? [] : [.disable]) }

    public func perform(on network: any NetworkControl) throws -> String? {
        try network.setAutostart(on)
        return "autostart \(on ? "on" : "off") for network \(network.name)"
    }
}

extension NetworkAction {
    public static func autostart(_ on: Bool) -> NetworkAction { NetworkAction(NetworkAutostart(on: on)) }
}
