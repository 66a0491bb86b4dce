/// `virtlab net stop`; `d` in the Networks pane.
public struct StopNetwork: NetworkOperation, PlainAction {
    public static let rule = ActionRule<NetworkState>(
        "stop network", done: "stopped network", from: [.active],
        warning: "Guests on it lose their link (and their leases) until it starts again.",
        same: CommandTemplate("virsh net-destroy", .slot(.name)),
        commandLine: CommandLineHelp("stop", "Stop a network; guests on it lose their link until it starts again."))

    public init() {}

    public func perform(on network: any NetworkControl) throws -> String? {
        try network.stop()
        return nil
    }
}

extension NetworkAction {
    public static let stop = NetworkAction(StopNetwork())
}
