import VirtKit

/// One hypervisor as the use cases take it: an open libvirt connection. The command line opens one per run,
/// the dashboard one per watched host; every use case of machines, networks, pools and images is a method here,
/// so both do the same thing the same way.
public struct Hypervisor: Sendable {
    let connection: Connection

    public var uri: String { connection.uri }
    /// False once the connection itself is gone (the daemon stopped, the network dropped).
    public var isAlive: Bool { connection.isAlive }

    /// Opened read-only: anything that changes something is refused by libvirt.
    public var isReadOnly: Bool { connection.isReadOnly }

    public init(uri: String, readOnly: Bool) throws { connection = try Connection(uri: uri, readOnly: readOnly) }

    /// A connection the caller already holds (the dashboard's, with its events and provider).
    public init(_ connection: Connection) { self.connection = connection }

    /// Its type and version, and the libvirt daemon's.
    public func info() throws -> HypervisorInfo { try connection.hypervisor() }

    /// Every VM's state and resources, by name; one undefined between the listing and its info is left out.
    public func machines() throws -> [DomainInfo] {
        try connection.domains().compactMap { domain in
            do { return try domain.info() } catch let error as LibvirtError where error.kind == .noSuchDomain { return nil }
        }.sorted { $0.name < $1.name }
    }

    /// The hypervisor the user means (`--uri`, `LIBVIRT_DEFAULT_URI`, the system daemon, else the demo), opened.
    /// The connection the user means (see `ConnectionChoice`; the settings file's first connection after the
    /// environment), read-only when asked or when the settings say so.
    public static func chosen(flag: String?, readOnly: Bool, settings: Settings = .current) throws -> (Hypervisor, ConnectionChoice) {
        let choice = ConnectionChoice.resolve(flag: flag, configured: settings.connections.value.first)
        return (try Hypervisor(uri: choice.uri, readOnly: readOnly || settings.readOnly.value), choice)
    }
}

/// Plain data the use cases hand back, named here so the command line and the dashboard need no driver import.
public typealias ConnectionChoice = VirtKit.ConnectionChoice
public typealias HypervisorInfo = VirtKit.HypervisorInfo
public typealias DomainInfo = VirtKit.DomainInfo
