import Foundation

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

    public func equivalent(for name: String) -> String { equivalent(for: name, filling: [:]) }

    /// The command for `name` with the action's own values in place of the table's placeholders (SNAPSHOT,
    /// `[--flag]`); an optional part filled with "" leaves no gap.
    public func equivalent(for name: String, filling values: [String: String]) -> String {
        var line = equivalent.replacingOccurrences(of: "NAME", with: name)
        for (placeholder, value) in values { line = line.replacingOccurrences(of: placeholder, with: value) }
        while line.contains("  ") { line = line.replacingOccurrences(of: "  ", with: " ") }
        return line.trimmingCharacters(in: .whitespaces)
    }
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
    case start, shutdown, reboot, forceOff, pause, resume, console, snapshot, revert, deleteSnapshot, clone, delete
    case autostart, setVCPUs, setMemory, attachDisk, detachDisk, attachNIC, detachNIC

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
            ActionRule("snapshot", done: "snapshot taken of", same: "virsh snapshot-create-as NAME SNAPSHOT [--description]")
        case .revert:
            ActionRule("revert", done: "reverted", warning: "Everything since that snapshot is lost.",
                       same: "virsh snapshot-revert NAME SNAPSHOT")
        case .deleteSnapshot:
            ActionRule("delete a snapshot of", done: "deleted a snapshot of",
                       warning: "The snapshot is gone for good; its children, if any, hang from its parent instead.",
                       same: "virsh snapshot-delete NAME SNAPSHOT")
        case .clone:
            ActionRule("clone", done: "cloned", from: [.shutOff], hint: "shut it down first",
                       same: "virt-clone --original NAME --name NEW --auto-clone [&& virt-sysprep]")
        case .delete:
            ActionRule("delete", done: "deleted", warning: "This removes the VM's definition and its snapshots.",
                       same: "virsh undefine NAME --snapshots-metadata [--remove-all-storage]")
        case .autostart:
            ActionRule("change autostart of", done: "changed autostart of", same: "virsh autostart NAME [--disable]")
        case .setVCPUs:
            ActionRule("set the vCPUs of", done: "set the vCPUs of", same: "virsh setvcpus NAME COUNT --config [--live]")
        case .setMemory:
            ActionRule("set the memory of", done: "set the memory of", same: "virsh setmem NAME MIBM --config [--live]")
        case .attachDisk:
            ActionRule("attach a disk to", done: "attached a disk to",
                       same: "CREATEvirsh attach-disk NAME FILE TARGET --subdriver qcow2 --persistent")
        case .detachDisk:
            ActionRule("detach a disk from", done: "detached a disk from",
                       warning: "The guest loses the disk at once; what it had not written out is lost.",
                       same: "virsh detach-disk NAME TARGET --persistent")
        case .attachNIC:
            ActionRule("attach a NIC to", done: "attached a NIC to",
                       same: "virsh attach-interface NAME network NET --model virtio --persistent")
        case .detachNIC:
            ActionRule("detach a NIC from", done: "detached a NIC from",
                       warning: "The guest loses that network link at once.",
                       same: "virsh detach-interface NAME network --mac MAC --persistent")
        }
    }
}

/// A VM action as the dashboard and the command line ask for it: the table's verb (`MachineVerb`) with what it
/// needs.
public enum MachineAction: Sendable, Equatable {
    case start, shutdown, reboot, forceOff, pause, resume
    case createSnapshot(String, description: String? = nil)
    case revertSnapshot(String)
    case deleteSnapshot(String)
    case delete(removeStorage: Bool)
    case clone(as: String, sanitize: Bool)
    case setAutostart(Bool)
    /// `live`: the VM runs, so the running guest is changed too where the hypervisor allows.
    case setVCPUs(Int, live: Bool)
    case setMemory(mebibytes: Int, live: Bool)
    /// A new qcow2 disk of this many GiB in the VM's storage directory, or an existing image file.
    case attachDisk(DiskToAttach)
    case detachDisk(target: String)
    case attachNIC(network: String)
    case detachNIC(mac: String)

    public var kind: MachineVerb {
        switch self {
        case .start: .start
        case .shutdown: .shutdown
        case .reboot: .reboot
        case .forceOff: .forceOff
        case .pause: .pause
        case .resume: .resume
        case .createSnapshot: .snapshot
        case .revertSnapshot: .revert
        case .deleteSnapshot: .deleteSnapshot
        case .delete: .delete
        case .clone: .clone
        case .setAutostart: .autostart
        case .setVCPUs: .setVCPUs
        case .setMemory: .setMemory
        case .attachDisk: .attachDisk
        case .detachDisk: .detachDisk
        case .attachNIC: .attachNIC
        case .detachNIC: .detachNIC
        }
    }

    /// Words for status lines and dialogs: "force off", "revert to snapshot 'clean'".
    public var verb: String {
        switch self {
        case .createSnapshot(let name, _): "snapshot as '\(name)'"
        case .revertSnapshot(let name): "revert to snapshot '\(name)'"
        case .deleteSnapshot(let name): "delete snapshot '\(name)' of"
        case .delete(let storage): storage ? "delete (with its storage)" : "delete"
        case .clone(let newName, let sanitize): "clone as '\(newName)'\(sanitize ? " (sanitized)" : "")"
        case .setAutostart(let on): "turn autostart \(on ? "on" : "off") for"
        case .setVCPUs(let count, _): "set the vCPUs to \(count) of"
        case .setMemory(let mebibytes, _): "set the memory to \(mebibytes) MiB of"
        case .attachDisk(let disk): "attach \(disk.summary) to"
        case .detachDisk(let target): "detach disk \(target) from"
        case .attachNIC(let network): "attach a NIC on \(network) to"
        case .detachNIC(let mac): "detach NIC \(mac) from"
        default: kind.rule.verb
        }
    }

    /// The virsh (or virt-clone) command line that does the same to `name`.
    public func equivalent(for name: String) -> String {
        kind.rule.equivalent(for: name, filling: placeholders)
    }

    /// The same as typed on the connection `uri` (virsh given `-c URI`): what the Log and `--explain` show.
    public func command(for name: String, uri: String) -> String { EquivalentCommand.line(equivalent(for: name), uri: uri) }

    /// What the table's command line leaves for the action to fill in.
    private var placeholders: [String: String] {
        switch self {
        case .createSnapshot(let snapshot, let description):
            ["SNAPSHOT": snapshot, "[--description]": description.map {
                "--description '" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" } ?? ""]
        case .revertSnapshot(let snapshot), .deleteSnapshot(let snapshot):
            ["SNAPSHOT": snapshot]
        case .clone(let newName, let sanitize): ["NEW": newName, "[&& virt-sysprep]": sanitize ? "&& virt-sysprep -d \(newName)" : ""]
        case .delete(let storage): ["[--remove-all-storage]": storage ? "--remove-all-storage" : ""]
        case .setAutostart(let on): ["[--disable]": on ? "" : "--disable"]
        case .setVCPUs(let count, let live): ["COUNT": "\(count)", "[--live]": live ? "--live" : ""]
        case .setMemory(let mebibytes, let live): ["MIB": "\(mebibytes)", "[--live]": live ? "--live" : ""]
        case .attachDisk(let disk): ["CREATE": disk.creation, "FILE": disk.path, "TARGET": disk.target]
        case .detachDisk(let target): ["TARGET": target]
        case .attachNIC(let network): ["NET": network]
        case .detachNIC(let mac): ["MAC": mac]
        default: [:]
        }
    }
}

/// A disk to attach: a new qcow2 file of `newSizeGiB` (made first), or an existing image (nil).
public struct DiskToAttach: Sendable, Equatable {
    public let path: String
    /// The guest's device name: vdb, vdc, ...
    public let target: String
    public let newSizeGiB: Int?

    public init(path: String, target: String, newSizeGiB: Int?) {
        self.path = path
        self.target = target
        self.newSizeGiB = newSizeGiB
    }

    /// A new qcow2 of `sizeGiB` named after the VM and its target, beside the VM's first disk (in the connection's
    /// default storage directory when it has none).
    public static func new(sizeGiB: Int, for vm: String, target: String, besideDisk first: String?, uri: String) -> DiskToAttach {
        let directory = first.map { ($0 as NSString).deletingLastPathComponent } ?? defaultStorageDirectory(uri: uri)
        return DiskToAttach(path: "\(directory)/\(vm)-\(target).qcow2", target: target, newSizeGiB: sizeGiB)
    }

    /// Where new disks go by default: libvirt's image directory for the system daemon, the user's for a session.
    public static func defaultStorageDirectory(uri: String) -> String {
        uri.hasSuffix("/session") ? NSHomeDirectory() + "/.local/share/libvirt/images" : "/var/lib/libvirt/images"
    }

    /// The first virtio disk name not taken: vdb after vda; nil when vdb to vdz are all taken.
    public static func nextTarget(after taken: [String]) -> String? {
        "bcdefghijklmnopqrstuvwxyz".map { "vd\($0)" }.first { !taken.contains($0) }
    }

    public var summary: String { newSizeGiB.map { "a new \($0) GiB disk" } ?? (path as NSString).lastPathComponent }
    /// The command that makes the new file, before virsh attaches it.
    public var creation: String { newSizeGiB.map { "qemu-img create -f qcow2 \(path) \($0)G && " } ?? "" }
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
            ActionRule("toggle autostart of", done: "toggled autostart of", same: "virsh net-autostart NAME [--disable]")
        case .delete:
            ActionRule("delete network", done: "deleted network",
                       warning: "The network is stopped and its definition removed; VMs with a NIC on it are refused.",
                       same: "virsh net-destroy NAME && virsh net-undefine NAME")
        }
    }
}
