import CLibvirt

/// libvirt's `virDomainState`, with the reason libvirt gives for it.
public enum DomainState: Int32, Sendable, Codable, CaseIterable {
    case noState = 0, running, blocked, paused, shuttingDown, shutOff, crashed, pmSuspended

    public init(libvirt value: Int32) { self = DomainState(rawValue: value) ?? .noState }

    /// Running in the sense of "has a live QEMU process": counts for start/stop decisions.
    public var isActive: Bool { self != .shutOff && self != .noState && self != .crashed }

    /// libvirt's reason code for this state, in words (`virsh domstate --reason`).
    public func reason(_ code: Int32) -> String {
        let reasons: [String]
        switch self {
        case .running: reasons = ["unknown", "booted", "migrated", "restored", "from snapshot", "unpaused",
                                  "migration canceled", "save canceled", "event wakeup", "crashed", "post-copy"]
        case .paused: reasons = ["unknown", "user", "migrating", "saving", "dumping", "I/O error", "watchdog",
                                 "from snapshot", "shutting down", "creating snapshot", "crashed", "starting up",
                                 "post-copy", "post-copy failed"]
        case .shutOff: reasons = ["unknown", "shutdown", "destroyed", "crashed", "migrated", "saved", "failed",
                                  "from snapshot", "daemon"]
        case .shuttingDown: reasons = ["unknown", "user"]
        case .crashed: reasons = ["unknown", "panicked"]
        case .blocked, .pmSuspended, .noState: reasons = ["unknown"]
        }
        return code >= 0 && Int(code) < reasons.count ? reasons[Int(code)] : "unknown"
    }
}
