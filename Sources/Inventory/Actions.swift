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
    /// The command that does the same: fixed words and the action's values.
    public let command: CommandTemplate

    init(_ verb: String, done: String, from allowed: Set<State>? = nil, hint: String? = nil, warning: String? = nil,
         same command: CommandTemplate) {
        self.verb = verb
        self.done = done
        self.allowedFrom = allowed
        self.hint = hint
        self.warning = warning
        self.command = command
    }

    public func allows(_ state: State) -> Bool { allowedFrom?.contains(state) ?? true }

    /// Why it cannot be done to `name` now, or nil when it can.
    public func refusal(_ name: String, _ state: State) -> String? {
        guard !allows(state) else { return nil }
        return "cannot \(verb) '\(name)': it is \(state.label)" + (hint.map { "; \($0)" } ?? "")
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
        case .start: ActionRule("start", done: "started", from: [.shutOff, .crashed], same: CommandTemplate("virsh start", .slot(.name)))
        case .shutdown:
            ActionRule("shut down", done: "asked to shut down", from: MachineState.live,
                       warning: "The guest is asked to shut down; unsaved work inside it may be lost.",
                       same: CommandTemplate("virsh shutdown", .slot(.name)))
        case .reboot:
            ActionRule("reboot", done: "asked to reboot", from: MachineState.live,
                       warning: "The guest reboots; unsaved work inside it may be lost.", same: CommandTemplate("virsh reboot", .slot(.name)))
        case .forceOff:
            ActionRule("force off", done: "forced off", from: MachineState.live,
                       warning: "Like pulling the plug: the guest gets no chance to save anything.",
                       same: CommandTemplate("virsh destroy", .slot(.name)))
        case .pause:
            ActionRule("pause", done: "paused", from: [.running, .blocked], hint: "only a running VM can pause",
                       same: CommandTemplate("virsh suspend", .slot(.name)))
        case .resume:
            ActionRule("resume", done: "resumed", from: [.paused], hint: "only a paused VM resumes",
                       same: CommandTemplate("virsh resume", .slot(.name)))
        case .console:
            ActionRule("open the console of", done: "left the console of", from: MachineState.live,
                       hint: "start it first", same: CommandTemplate("virsh console", .slot(.name)))
        case .snapshot:
            ActionRule("snapshot", done: "snapshot taken of", same: CommandTemplate("virsh snapshot-create-as", .slot(.name), .slot(.snapshot),
                                              .when(.description, [.fixed("--description"), .slot(.text)])))
        case .revert:
            ActionRule("revert", done: "reverted", warning: "Everything since that snapshot is lost.",
                       same: CommandTemplate("virsh snapshot-revert", .slot(.name), .slot(.snapshot)))
        case .deleteSnapshot:
            ActionRule("delete a snapshot of", done: "deleted a snapshot of",
                       warning: "The snapshot is gone for good; its children, if any, hang from its parent instead.",
                       same: CommandTemplate("virsh snapshot-delete", .slot(.name), .slot(.snapshot)))
        case .clone:
            ActionRule("clone", done: "cloned", from: [.shutOff], hint: "shut it down first",
                       same: CommandTemplate("virt-clone --original", .slot(.name), .fixed("--name"), .slot(.newName), .fixed("--auto-clone"),
                                             .when(.sanitize, [.fixed("&&"), .fixed("virt-sysprep"), .fixed("-d"), .slot(.newName)])))
        case .delete:
            ActionRule("delete", done: "deleted", warning: "This removes the VM's definition and its snapshots.",
                       same: CommandTemplate("virsh undefine", .slot(.name), .fixed("--snapshots-metadata"),
                                             .when(.removeStorage, [.fixed("--remove-all-storage")])))
        case .autostart:
            ActionRule("change autostart of", done: "changed autostart of", same: CommandTemplate("virsh autostart", .slot(.name), .when(.disable, [.fixed("--disable")])))
        case .setVCPUs:
            ActionRule("set the vCPUs of", done: "set the vCPUs of", same: CommandTemplate("virsh setvcpus", .slot(.name), .slot(.count), .fixed("--config"),
                                             .when(.live, [.fixed("--live")])))
        case .setMemory:
            ActionRule("set the memory of", done: "set the memory of", same: CommandTemplate("virsh setmem", .slot(.name), .slot(.mebibytes, suffix: "M"), .fixed("--config"),
                                             .when(.live, [.fixed("--live")])))
        case .attachDisk:
            ActionRule("attach a disk to", done: "attached a disk to",
                       same: CommandTemplate([.when(.create, CommandTemplate("qemu-img create -f qcow2", .slot(.file),
                                                                             .slot(.sizeGiB, suffix: "G"), .fixed("&&")).words)]
                                             + CommandTemplate("virsh attach-disk", .slot(.name), .slot(.file), .slot(.target),
                                                               .fixed("--subdriver"), .fixed("qcow2"), .fixed("--persistent")).words))
        case .detachDisk:
            ActionRule("detach a disk from", done: "detached a disk from",
                       warning: "The guest loses the disk at once; what it had not written out is lost.",
                       same: CommandTemplate("virsh detach-disk", .slot(.name), .slot(.target), .fixed("--persistent")))
        case .attachNIC:
            ActionRule("attach a NIC to", done: "attached a NIC to",
                       same: CommandTemplate("virsh attach-interface", .slot(.name), .fixed("network"), .slot(.network),
                                             .fixed("--model"), .fixed("virtio"), .fixed("--persistent")))
        case .detachNIC:
            ActionRule("detach a NIC from", done: "detached a NIC from",
                       warning: "The guest loses that network link at once.",
                       same: CommandTemplate("virsh detach-interface", .slot(.name), .fixed("network"), .fixed("--mac"), .slot(.mac),
                                             .fixed("--persistent")))
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

    /// The virsh (or virt-clone) command line that does the same to `name`; with `uri`, as typed on that
    /// connection (virsh given `-c URI`): what the Log and `--explain` show.
    public func command(for name: String, uri: String? = nil) -> String {
        var values = self.values
        values.slots[.name] = name
        return kind.rule.command.line(values, uri: uri)
    }

    /// What the table's command line leaves for the action to fill in.
    private var values: CommandTemplate.Values {
        switch self {
        case .createSnapshot(let snapshot, let description):
            CommandTemplate.Values([.snapshot: snapshot, .text: description ?? ""], on: description == nil ? [] : [.description])
        case .revertSnapshot(let snapshot), .deleteSnapshot(let snapshot): CommandTemplate.Values([.snapshot: snapshot])
        case .clone(let newName, let sanitize): CommandTemplate.Values([.newName: newName], on: sanitize ? [.sanitize] : [])
        case .delete(let storage): CommandTemplate.Values(on: storage ? [.removeStorage] : [])
        case .setAutostart(let on): CommandTemplate.Values(on: on ? [] : [.disable])
        case .setVCPUs(let count, let live): CommandTemplate.Values([.count: "\(count)"], on: live ? [.live] : [])
        case .setMemory(let mebibytes, let live): CommandTemplate.Values([.mebibytes: "\(mebibytes)"], on: live ? [.live] : [])
        case .attachDisk(let disk):
            CommandTemplate.Values([.file: disk.path, .target: disk.target, .sizeGiB: disk.newSizeGiB.map(String.init) ?? ""],
                                   on: disk.newSizeGiB == nil ? [] : [.create])
        case .detachDisk(let target): CommandTemplate.Values([.target: target])
        case .attachNIC(let network): CommandTemplate.Values([.network: network])
        case .detachNIC(let mac): CommandTemplate.Values([.mac: mac])
        default: CommandTemplate.Values()
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
    public static func new(sizeGiB: Int, for vm: String, target: String, besideDisk first: String?, uri: String,
                           home: String) -> DiskToAttach {
        let directory = first.map { ($0 as NSString).deletingLastPathComponent } ?? defaultStorageDirectory(uri: uri, home: home)
        return DiskToAttach(path: "\(directory)/\(vm)-\(target).qcow2", target: target, newSizeGiB: sizeGiB)
    }

    /// Where new disks go by default: libvirt's image directory for the system daemon, the user's (under
    /// `home`) for a session.
    public static func defaultStorageDirectory(uri: String, home: String) -> String {
        uri.hasSuffix("/session") ? home + "/.local/share/libvirt/images" : "/var/lib/libvirt/images"
    }

    /// The first virtio disk name not taken: vdb after vda; nil when vdb to vdz are all taken.
    public static func nextTarget(after taken: [String]) -> String? {
        "bcdefghijklmnopqrstuvwxyz".map { "vd\($0)" }.first { !taken.contains($0) }
    }

    public var summary: String { newSizeGiB.map { "a new \($0) GiB disk" } ?? (path as NSString).lastPathComponent }
}

/// The container actions, read by `virtlab ct` and the Containers pane alike.
public enum ContainerVerb: String, CaseIterable, Sendable {
    case start, stop, restart, pause, unpause, remove, shell, logs

    public var rule: ActionRule<ContainerRunState> {
        switch self {
        case .start:
            ActionRule("start", done: "started", from: [.created, .exited, .dead], same: CommandTemplate("podman start", .slot(.name)))
        case .stop:
            ActionRule("stop", done: "stopped", from: [.running, .paused, .restarting],
                       warning: "Its main process gets SIGTERM, then SIGKILL after 10 seconds.", same: CommandTemplate("podman stop", .slot(.name)))
        case .restart:
            ActionRule("restart", done: "restarted", warning: "Its processes are stopped and started again.",
                       same: CommandTemplate("podman restart", .slot(.name)))
        case .pause:
            ActionRule("pause", done: "paused", from: [.running], hint: "only a running container can pause",
                       same: CommandTemplate("podman pause", .slot(.name)))
        case .unpause:
            ActionRule("unpause", done: "unpaused", from: [.paused], hint: "only a paused container unpauses",
                       same: CommandTemplate("podman unpause", .slot(.name)))
        case .remove:
            ActionRule("remove", done: "removed",
                       warning: "The container and every file changed inside it are deleted.", same: CommandTemplate("podman rm -f", .slot(.name)))
        case .shell:
            ActionRule("open a shell in", done: "left the shell in", from: [.running], hint: "start it first",
                       same: CommandTemplate("podman exec -it", .slot(.name), .fixed("sh")))
        case .logs: ActionRule("read the logs of", done: "read the logs of", same: CommandTemplate("podman logs", .slot(.name)))
        }
    }
}

/// The network actions, read by `virtlab net` and the Networks pane alike.
public enum NetworkVerb: String, CaseIterable, Sendable {
    case start, stop, autostart, delete

    public var rule: ActionRule<NetworkState> {
        switch self {
        case .start:
            ActionRule("start network", done: "started network", from: [.inactive], same: CommandTemplate("virsh net-start", .slot(.name)))
        case .stop:
            ActionRule("stop network", done: "stopped network", from: [.active],
                       warning: "Guests on it lose their link (and their leases) until it starts again.",
                       same: CommandTemplate("virsh net-destroy", .slot(.name)))
        case .autostart:
            ActionRule("toggle autostart of", done: "toggled autostart of", same: CommandTemplate("virsh net-autostart", .slot(.name), .when(.disable, [.fixed("--disable")])))
        case .delete:
            ActionRule("delete network", done: "deleted network",
                       warning: "The network is stopped and its definition removed; VMs with a NIC on it are refused.",
                       same: CommandTemplate("virsh net-destroy", .slot(.name), .fixed("&&"), .fixed("virsh"), .fixed("net-undefine"),
                                             .slot(.name)))
        }
    }
}

/// A network action as the dashboard and `virtlab net` ask for it: the table's verb (`NetworkVerb`) with what it needs.
public enum NetworkAction: Sendable, Equatable {
    case start, stop
    /// Carries the VMs the confirmation named: the network is deleted only if no others use it by then.
    case delete(inUseBy: [String])
    case autostart(Bool)

    public var kind: NetworkVerb {
        switch self {
        case .start: .start
        case .stop: .stop
        case .delete: .delete
        case .autostart: .autostart
        }
    }

    public var verb: String {
        if case .autostart(let on) = self { return "turn autostart \(on ? "on" : "off") for" }
        return kind.rule.verb
    }

    /// The virsh command that does the same to network `name`; with `uri`, as typed on that connection.
    public func command(for name: String, uri: String? = nil) -> String {
        kind.rule.command.line(CommandTemplate.Values([.name: name], on: self == .autostart(false) ? [.disable] : []), uri: uri)
    }
}

/// A container action as the dashboard and `virtlab ct` ask for it: the table's verb (`ContainerVerb`).
public enum ContainerAction: Sendable, Equatable {
    case start, stop, restart, pause, unpause
    /// Removing a running container stops it first.
    case remove

    public var kind: ContainerVerb {
        switch self {
        case .start: .start
        case .stop: .stop
        case .restart: .restart
        case .pause: .pause
        case .unpause: .unpause
        case .remove: .remove
        }
    }

    public var verb: String { kind.rule.verb }
}
