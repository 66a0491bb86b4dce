/// What may be done to a machine or a container, in one table that the command line (`virtlab vm start`)
/// and the dashboard (`s`) both read: so the two agree on when an action applies, whether it asks first,
/// and which virsh or podman command does the same thing (shown to learners beside the action).
public struct ActionRule<State: ActionState>: Sendable {
    /// "shut down", as in "cannot shut down 'web1'".
    public let verb: String
    /// "asked to shut down", as in the command line's "asked to shut down web1".
    public let done: String
    /// The states it applies to; nil: any.
    public let allowedFrom: Set<State>?
    /// What to do instead when the state forbids it.
    public let hint: String?
    /// Why the dashboard asks before doing it; nil: it does not ask.
    public let warning: String?
    /// The command that does the same, NAME standing for the machine's or container's name.
    public let equivalent: String

    init(_ verb: String, done: String, from allowed: Set<State>? = nil, hint: String? = nil, warning: String? = nil,
         same equivalent: String) {
        self.verb = verb
        self.done = done
        self.allowedFrom = allowed
        self.hint = hint
        self.warning = warning
        self.equivalent = equivalent
    }

    public func allows(_ state: State) -> Bool { allowedFrom?.contains(state) ?? true }

    /// Why it cannot be done to `name` now, or nil when it can.
    public func refusal(_ name: String, _ state: State) -> String? {
        guard !allows(state) else { return nil }
        return "cannot \(verb) '\(name)': it is \(state.label)" + (hint.map { "; \($0)" } ?? "")
    }

    public func equivalent(for name: String) -> String { equivalent.replacingOccurrences(of: "NAME", with: name) }
}

/// A state that an action rule can name in a refusal.
public protocol ActionState: Hashable, Sendable {
    var label: String { get }
}

extension MachineState: ActionState {
    /// A hypervisor process is there to shut down, reboot, force off or attach to.
    public static let live: Set<MachineState> = [.running, .blocked, .paused, .shuttingDown, .pmSuspended]
}

extension ContainerRunState: ActionState {
    public var label: String { rawValue }
}

extension NetworkState: ActionState {
    public var label: String { rawValue }
}

/// The VM actions. Each rule is one case below; a new action is one case and one rule.
public enum MachineVerb: String, CaseIterable, Sendable {
    case start, shutdown, reboot, forceOff, pause, resume, console, snapshot, revert, clone, delete

    public var rule: ActionRule<MachineState> {
        switch self {
        case .start: ActionRule("start", done: "started", from: [.shutOff, .crashed], same: "virsh start NAME")
        case .shutdown:
            ActionRule("shut down", done: "asked to shut down", from: MachineState.live,
                       warning: "The guest is asked to shut down; unsaved work inside it may be lost.",
                       same: "virsh shutdown NAME")
        case .reboot:
            ActionRule("reboot", done: "asked to reboot", from: MachineState.live,
                       warning: "The guest reboots; unsaved work inside it may be lost.", same: "virsh reboot NAME")
        case .forceOff:
            ActionRule("force off", done: "forced off", from: MachineState.live,
                       warning: "Like pulling the plug: the guest gets no chance to save anything.",
                       same: "virsh destroy NAME")
        case .pause:
            ActionRule("pause", done: "paused", from: [.running, .blocked], hint: "only a running VM can pause",
                       same: "virsh suspend NAME")
        case .resume:
            ActionRule("resume", done: "resumed", from: [.paused], hint: "only a paused VM resumes",
                       same: "virsh resume NAME")
        case .console:
            ActionRule("open the console of", done: "left the console of", from: MachineState.live,
                       hint: "start it first", same: "virsh console NAME")
        case .snapshot:
            ActionRule("snapshot", done: "snapshot taken of", same: "virsh snapshot-create-as NAME SNAPSHOT")
        case .revert:
            ActionRule("revert", done: "reverted", warning: "Everything since that snapshot is lost.",
                       same: "virsh snapshot-revert NAME SNAPSHOT")
        case .clone:
            ActionRule("clone", done: "cloned", from: [.shutOff], hint: "shut it down first",
                       same: "virt-clone --original NAME --name NEW --auto-clone")
        case .delete:
            ActionRule("delete", done: "deleted", warning: "This removes the VM's definition and its snapshots.",
                       same: "virsh undefine NAME --snapshots-metadata")
        }
    }
}

/// The container actions, read by `virtlab ct` and the Containers pane alike.
public enum ContainerVerb: String, CaseIterable, Sendable {
    case start, stop, restart, pause, unpause, remove, shell, logs

    public var rule: ActionRule<ContainerRunState> {
        switch self {
        case .start:
            ActionRule("start", done: "started", from: [.created, .exited, .dead], same: "podman start NAME")
        case .stop:
            ActionRule("stop", done: "stopped", from: [.running, .paused, .restarting],
                       warning: "Its main process gets SIGTERM, then SIGKILL after 10 seconds.", same: "podman stop NAME")
        case .restart:
            ActionRule("restart", done: "restarted", warning: "Its processes are stopped and started again.",
                       same: "podman restart NAME")
        case .pause:
            ActionRule("pause", done: "paused", from: [.running], hint: "only a running container can pause",
                       same: "podman pause NAME")
        case .unpause:
            ActionRule("unpause", done: "unpaused", from: [.paused], hint: "only a paused container unpauses",
                       same: "podman unpause NAME")
        case .remove:
            ActionRule("remove", done: "removed",
                       warning: "The container and every file changed inside it are deleted.", same: "podman rm -f NAME")
        case .shell:
            ActionRule("open a shell in", done: "left the shell in", from: [.running], hint: "start it first",
                       same: "podman exec -it NAME sh")
        case .logs: ActionRule("read the logs of", done: "read the logs of", same: "podman logs NAME")
        }
    }
}

/// The network actions, read by `virtlab net` and the Networks pane alike.
public enum NetworkVerb: String, CaseIterable, Sendable {
    case start, stop, autostart, delete

    public var rule: ActionRule<NetworkState> {
        switch self {
        case .start:
            ActionRule("start network", done: "started network", from: [.inactive], same: "virsh net-start NAME")
        case .stop:
            ActionRule("stop network", done: "stopped network", from: [.active],
                       warning: "Guests on it lose their link (and their leases) until it starts again.",
                       same: "virsh net-destroy NAME")
        case .autostart:
            ActionRule("toggle autostart of", done: "toggled autostart of", same: "virsh net-autostart NAME")
        case .delete:
            ActionRule("delete network", done: "deleted network",
                       warning: "The network is stopped and its definition removed; VMs with a NIC on it are refused.",
                       same: "virsh net-destroy NAME && virsh net-undefine NAME")
        }
    }
}
