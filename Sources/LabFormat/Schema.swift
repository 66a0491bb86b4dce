/// What each part of a lab file may contain. The loader checks files against these tables and a
/// `PrimitiveCatalog`; docs/lab-format.md and docs/lab.schema.json are generated from the same tables.
public enum Schema {
    public enum ValueType: Sendable, Equatable {
        case string, int, bool, stringList
        /// "30s", "2m", "500ms", or a number of seconds.
        case duration
        /// A string (equals) or a mapping of equals, contains, regex, not, and numeric eq, ne, gt, ge, lt, le.
        case matcher
        /// argv (a list) or shell (a string), as used by `command` and `capture`.
        case command
        /// A command with an optional `target:` (host, vm:NAME, container:NAME), for setup, solve and cleanup.
        case action
        /// A nested mapping or list with rules of its own (parameters, steps, checks).
        case mapping, list

        /// As the format document's tables name it.
        public var name: String { String(describing: self) }

        public var label: String {
            switch self {
            case .string: "a string"
            case .int: "a whole number"
            case .bool: "true or false"
            case .stringList: "a list of strings"
            case .duration: "a duration such as 30s, 2m or 500ms"
            case .matcher: "a matcher (a string, or a mapping such as {contains: ...})"
            case .command: "a command (a list of arguments, or {shell: ...})"
            case .action: "a command, or {argv: [...]} / {shell: ...} with target: vm:NAME or container:NAME"
            case .mapping: "a mapping"
            case .list: "a list"
            }
        }
    }

    public struct Field: Sendable {
        public let type: ValueType
        public let required: Bool
        public let summary: String
        public init(_ type: ValueType, required: Bool = false, _ summary: String) {
            self.type = type
            self.required = required
            self.summary = summary
        }
    }

    public static let lab: [String: Field] = [
        "id": Field(.string, required: true, "unique name, as in `virtlab lab show ID`"),
        "title": Field(.string, required: true, "one line shown in lists"),
        "objectives": Field(.stringList, "exam objectives covered, e.g. 102.6"),
        "description": Field(.string, "what the student will learn"),
        "requirements": Field(.stringList, "what the lab needs before it starts (see Values)"),
        "parameters": Field(.mapping, "per-student values: name: template (see below)"),
        "environment": Field(.mapping, "the networks, machines and containers `lab up` makes (see Environment)"),
        "steps": Field(.list, required: true, "the steps, in order"),
    ]

    public static let step: [String: Field] = [
        "id": Field(.string, required: true, "unique within the lab"),
        "title": Field(.string, required: true, "one line"),
        "instructions": Field(.string, required: true, "what to do (a small markdown subset)"),
        "hints": Field(.stringList, "revealed one at a time"),
        "setup": Field(.action, "run when the lab is started (`virtlab lab start`, or opening it in the app)"),
        "cleanup": Field(.action, "run when the lab is reset"),
        "solve": Field(.action, "the reference solution, run by tests and teachers"),
        "checks": Field(.list, required: true, "what is graded"),
    ]

    public static let check: [String: Field] = [
        "id": Field(.string, required: true, "unique within the lab"),
        "title": Field(.string, required: true, "what is being checked, in the student's words"),
        "points": Field(.int, "weight in the grade (default 1)"),
        "target": Field(.string, "where it runs: host (default), vm:NAME, vm:NAME@URI (on another host), container:NAME (see Targets)"),
        "needs": Field(.stringList, "checks that must pass first; otherwise this one is skipped"),
        "timeout": Field(.duration, "killed and reported as an error after this (default 30s)"),
        "retries": Field(.int, "extra attempts before failing (default 0)"),
        "retry_delay": Field(.duration, "pause between attempts (default 2s)"),
        "failure": Field(.string, "what to tell the student when it fails"),
    ]

    static let matcherKeys: Set<String> = ["equals", "contains", "regex", "not", "eq", "ne", "gt", "ge", "lt", "le"]
    static let commandKeys: Set<String> = ["argv", "shell"]
}

/// What a lab can ask for before it starts.
public enum Requirement: String, CaseIterable, Sendable {
    case libvirt, libvirtQEMU = "libvirt-qemu", containerEngine = "container-engine", guestAgent = "guest-agent"
    case cloudImage = "cloud-image", root
    /// libvirt networks that hand out addresses and NAT: dnsmasq and iptables on the host.
    case virtualNetworks = "virtual-networks"
    /// A second libvirt host to move VMs to, named by VIRTLAB_SECOND_HOST (a URI), answering and not this one.
    case secondHost = "second-host"
}
