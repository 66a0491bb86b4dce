/// What each part of a lab file may contain. The loader checks files against these tables, and
/// docs/lab-format.md describes the same tables: one source for both.
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

        var label: String {
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
        init(_ type: ValueType, required: Bool = false, _ summary: String) {
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
        "target": Field(.string, "where it runs: host (default), vm:NAME, container:NAME (see Targets)"),
        "needs": Field(.stringList, "checks that must pass first; otherwise this one is skipped"),
        "timeout": Field(.duration, "killed and reported as an error after this (default 30s)"),
        "retries": Field(.int, "extra attempts before failing (default 0)"),
        "retry_delay": Field(.duration, "pause between attempts (default 2s)"),
        "failure": Field(.string, "what to tell the student when it fails"),
    ]

    /// Each check has exactly one of these, with these fields.
    public static let primitives: [String: [String: Field]] = [
        "command": [
            "run": Field(.command, required: true, "the command"),
            "exit_status": Field(.int, "expected exit status (default 0)"),
            "stdout": Field(.matcher, "what standard output must match"),
            "stderr": Field(.matcher, "what standard error must match"),
        ],
        "file": [
            "path": Field(.string, required: true, "absolute path in the target"),
            "exists": Field(.bool, "true: must exist; false: must be absent"),
            "empty": Field(.bool, "must be empty (or not)"),
            "mode": Field(.string, "octal permissions, e.g. \"0644\""),
            "owner": Field(.string, "user name"),
            "contents": Field(.matcher, "what the contents must match"),
            "sha256": Field(.string, "hex digest of the contents"),
        ],
        "cpu_flags": [
            "any_of": Field(.stringList, "at least one of these flags in /proc/cpuinfo"),
            "all_of": Field(.stringList, "all of these flags"),
            "none_of": Field(.stringList, "none of these flags"),
        ],
        "kvm": [
            "present": Field(.bool, "/dev/kvm exists"),
            "usable": Field(.bool, "/dev/kvm opens read-write"),
        ],
        "virt_detect": [
            "is": Field(.matcher, "what this system runs on: none, kvm, qemu, docker, podman, lxc, ..."),
        ],
        "domain": [
            "name": Field(.string, required: true, "the libvirt domain"),
            "exists": Field(.bool, "defined (or not)"),
            "state": Field(.matcher, "running, paused, shut off, ..."),
            "autostart": Field(.bool, "starts with the host"),
            "uuid": Field(.matcher, "its UUID"),
            "has_snapshot": Field(.string, "a snapshot of this name exists"),
            "disk_format": Field(.matcher, "format of its first disk: qcow2, raw"),
            "backing_file": Field(.matcher, "backing file of its first disk"),
            "nic_count": Field(.matcher, "number of NICs"),
            "macs": Field(.matcher, "its MAC addresses, comma-separated"),
            "memory_mib": Field(.matcher, "maximum memory in MiB"),
            "vcpus": Field(.matcher, "virtual CPUs"),
        ],
        "network": [
            "name": Field(.string, required: true, "the libvirt network"),
            "exists": Field(.bool, "defined (or not)"),
            "active": Field(.bool, "started (or not)"),
        ],
        "pool": [
            "name": Field(.string, required: true, "the storage pool"),
            "exists": Field(.bool, "defined (or not)"),
            "active": Field(.bool, "started (or not)"),
        ],
        "container": [
            "name": Field(.string, required: true, "the container"),
            "exists": Field(.bool, "exists (or not)"),
            "state": Field(.matcher, "running, exited, paused, ..."),
            "image": Field(.matcher, "its image, repository:tag"),
            "interactive": Field(.bool, "made with a terminal and open stdin (run -it), as an OS container's shell is"),
        ],
        "image": [
            "path": Field(.string, required: true, "the disk image file"),
            "exists": Field(.bool, "exists (or not)"),
            "format": Field(.matcher, "detected from the header: qcow2, raw, iso"),
            "virtual_size": Field(.matcher, "virtual size in bytes"),
            "backing_file": Field(.matcher, "its backing file"),
        ],
        "cloud_init": [
            "status": Field(.matcher, required: true, "the status field of `cloud-init status --format json`: done, ..."),
        ],
        "capture": [
            "as": Field(.string, required: true, "the name later checks use in compare"),
            "run": Field(.command, required: true, "the command whose output is saved"),
            "regex": Field(.string, "save only the first group of this pattern"),
        ],
        "compare": [
            "left": Field(.string, required: true, "a capture's name"),
            "right": Field(.string, required: true, "another capture's name"),
            "equal": Field(.bool, required: true, "true: must be equal; false: must differ"),
        ],
        "jsonpath": [
            "run": Field(.command, required: true, "a command printing JSON"),
            "path": Field(.string, required: true, "e.g. $.status"),
            "value": Field(.matcher, required: true, "what the value must match"),
        ],
        "xpath": [
            "run": Field(.command, "a command printing XML"),
            "domain": Field(.string, "or: the XML of this libvirt domain"),
            "path": Field(.string, required: true, "e.g. /domain/devices/interface/model/@type"),
            "value": Field(.matcher, required: true, "what the value must match"),
        ],
    ]

    /// Primitives that look at a system from inside and so may run in a guest or container; the others ask
    /// libvirt, the engine or the host's own files.
    public static let targetable: Set<String> = ["command", "file", "cpu_flags", "virt_detect", "capture", "jsonpath",
                                                 "xpath", "cloud_init"]

    static let matcherKeys: Set<String> = ["equals", "contains", "regex", "not", "eq", "ne", "gt", "ge", "lt", "le"]
    static let commandKeys: Set<String> = ["argv", "shell"]
}

/// What a lab can ask for before it starts.
public enum Requirement: String, CaseIterable, Sendable {
    case libvirt, libvirtQEMU = "libvirt-qemu", containerEngine = "container-engine", guestAgent = "guest-agent"
    case cloudImage = "cloud-image", root
}
