import Foundation

/// Which hypervisor to open when the user did not say: `--uri`, then `LIBVIRT_DEFAULT_URI`, then the settings
/// file's first connection, then the system QEMU daemon if it answers, else libvirt's built-in test driver so
/// there is always something real.
public struct ConnectionChoice: Sendable, Equatable {
    public let uri: String
    public let source: Source

    public enum Source: String, Sendable {
        case flag = "--uri"
        case environment = "LIBVIRT_DEFAULT_URI"
        case settings = "config.yaml"
        case systemDaemon = "qemu:///system answered"
        case demo = "no hypervisor answered"
    }

    public static let systemURI = "qemu:///system"
    public static let demoURI = "test:///default"

    /// True when virtlab fell back to the demo hypervisor: the UI and CLI say so.
    public var isDemo: Bool { source == .demo }

    public var demoNote: String? {
        isDemo ? "demo hypervisor: libvirt's built-in test driver (\(uri)); no QEMU/KVM daemon answered. "
            + "Start libvirtd or pass --uri to manage real machines." : nil
    }

    public static func resolve(flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
                               configured: String? = nil, probe: (String) -> Bool = Self.answers) -> ConnectionChoice {
        if let flag, !flag.isEmpty { return ConnectionChoice(uri: flag, source: .flag) }
        if let env = environment["LIBVIRT_DEFAULT_URI"], !env.isEmpty {
            return ConnectionChoice(uri: env, source: .environment)
        }
        if let configured, !configured.isEmpty { return ConnectionChoice(uri: configured, source: .settings) }
        if probe(systemURI) { return ConnectionChoice(uri: systemURI, source: .systemDaemon) }
        return ConnectionChoice(uri: demoURI, source: .demo)
    }

    /// Whether a read-only connection to `uri` opens.
    public static func answers(_ uri: String) -> Bool {
        (try? Connection(uri: uri, readOnly: true)) != nil
    }
}
