/// `virtlab net start`; `u` in the Networks pane: its bridge and DHCP server come up.
public struct StartNetwork: NetworkOperation, PlainAction {
    public static let rule = ActionRule<NetworkState>(
        "start network", done: "started network", from: [.inactive], same: CommandTemplate("virsh net-start", .slot(.name)),
        commandLine: CommandLineHelp("start", "Start a network (its bridge and DHCP server)."))

    public init() {}

    public func perform(on network: any NetworkControl) throws -> String? {
        try network.start()
        return nil
    }
}

extension NetworkAction {
    public static let start = NetworkAction(StartNetwork())
}
