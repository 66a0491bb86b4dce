import Foundation

/// One thing virtlab did (or tried to do) to a machine, container or network, with the command line that does
/// the same by hand: what the Log pane lists and the log file keeps, so a learner sees the virsh, podman or
/// qemu-img command behind every key they press.
public struct ActionRecord: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        case done(String)
        case failed(String)

        public var succeeded: Bool { if case .done = self { true } else { false } }
        public var text: String {
            switch self {
            case .done(let text), .failed(let text): text
            }
        }
    }

    public let time: Date
    /// The libvirt URI or engine it went to.
    public let connection: String
    /// "start web1".
    public let what: String
    /// "virsh -c qemu:///system start web1"; several commands one per line.
    public let command: String
    public let outcome: Outcome

    public init(time: Date, connection: String, what: String, command: String, outcome: Outcome) {
        self.time = time
        self.connection = connection
        self.what = what
        self.command = command
        self.outcome = outcome
    }

    /// The log file's line: `action OK|FAILED what | command | result`.
    public var logLine: String {
        let result = outcome.text.split(whereSeparator: \.isNewline).joined(separator: "; ")
        let commands = command.split(whereSeparator: \.isNewline).joined(separator: " && ")
        return "action \(outcome.succeeded ? "OK" : "FAILED") \(connection) \(what) | \(commands) | \(result)"
    }
}

/// The command line a learner would type: virsh gets the connection's URI (`-c`), so the line works when
/// pasted in a shell whatever `LIBVIRT_DEFAULT_URI` says; other tools are left as they are.
public enum EquivalentCommand {
    /// A VM from a cloud image, as `vm create` and the launch wizard make it: an overlay, a seed, virt-install.
    public static func launch(name: String, image: String, memoryMiB: Int, uri: String) -> String {
        CommandTemplate("virt-install --connect", .slot(.uri), .fixed("--name"), .slot(.name), .fixed("--memory"),
                        .slot(.mebibytes), .fixed("--import"), .fixed("--disk"),
                        .glued([.fixed("backing_store="), .slot(.image), .fixed(",format=qcow2")]),
                        .fixed("--cloud-init"), .fixed("--os-variant"), .fixed("detect=on,require=off"))
            .line(CommandTemplate.Values([.uri: uri, .name: name, .mebibytes: "\(memoryMiB)", .image: image]))
    }

    /// A network defined from flags: the XML virtlab writes, defined with virsh.
    public static func defineNetwork(_ name: String, uri: String) -> String {
        CommandTemplate("virsh net-define", .slot(.name, suffix: ".xml")).line(name: name, uri: uri)
    }
}
