import Inventory
import LabFormat
import TermUI

/// Something that happened: a key, a new inventory sample, an event, the result of an action.
public enum Message: Sendable {
    case key(Key)
    case tick(now: Double)
    case snapshot(InventorySnapshot)
    case engineSnapshot(EngineSnapshot)
    /// No container engine answers (or it stopped answering); the text says why and what to do.
    case engineUnavailable(String)
    case refreshFailed(String)
    case connectionLost(String, connection: String, retryAt: Double)
    case reconnected(connection: String)
    case machineEvent(MachineEvent)
    case details(MachineKey, MachineDetails)
    case actionFinished(String)
    case actionFailed(String)
    case snapshotsListed(MachineKey, name: String, [String])
    /// A text to read in a scrolling dialog: a domain's XML, a container's logs.
    case document(title: String, String)
    case themeChanged(name: String)
    case themeFailed(String)
    /// The labs found, each student's values for them (worked out by the runtime: they read the environment
    /// and the image library), the saved progress, and the files that do not load.
    case labsLoaded([Lab], parameters: [String: Parameters], progress: [String: LabReport], problems: [String])
    /// A lab's requirements were looked at (and its setup run): what is missing, if anything.
    case labStarted(id: String, unmet: [String])
    /// A check ran; the report holds the saved results of every step checked so far.
    case labChecked(LabReport, checkedStep: String?)
    case labFailed(String)
    /// The class's board as the gradebook has it now.
    case classLoaded(ClassBoard)
    /// The board after grading students live: they are no longer being graded.
    case classGraded(ClassBoard, students: [String]?)
    case classFailed(String)
}

/// A VM action as the dashboard asks for it: the table's verb (`MachineVerb`) with what it needs.
public enum MachineAction: Sendable, Equatable {
    case start, shutdown, reboot, forceOff, pause, resume
    case createSnapshot(String)
    case revertSnapshot(String)
    case delete(removeStorage: Bool)
    case clone(as: String, sanitize: Bool)

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
        case .delete: .delete
        case .clone: .clone
        }
    }

    /// Words for status lines and dialogs: "force off", "revert to snapshot 'clean'".
    public var verb: String {
        switch self {
        case .createSnapshot(let name): "snapshot as '\(name)'"
        case .revertSnapshot(let name): "revert to snapshot '\(name)'"
        case .delete(let storage): storage ? "delete (with its storage)" : "delete"
        case .clone(let newName, let sanitize): "clone as '\(newName)'\(sanitize ? " (sanitized)" : "")"
        default: kind.rule.verb
        }
    }

    /// The virsh (or virt-clone) command line that does the same to `name`.
    public func equivalent(for name: String) -> String {
        let line = kind.rule.equivalent(for: name)
        switch self {
        case .createSnapshot(let snapshot), .revertSnapshot(let snapshot):
            return line.replacingOccurrences(of: "SNAPSHOT", with: snapshot)
        case .clone(let newName, _): return line.replacingOccurrences(of: "NEW", with: newName)
        case .delete(true): return line + " --remove-all-storage"
        default: return line
        }
    }
}

/// A container action as the dashboard asks for it: the table's verb (`ContainerVerb`).
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

/// A network action as the dashboard asks for it: the table's verb (`NetworkVerb`) with what it needs.
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
}

/// What a confirmation dialog is about to do.
public enum PendingAction: Sendable, Equatable {
    case machine(MachineAction)
    case container(ContainerAction)
    case network(NetworkAction)

    public var verb: String {
        switch self {
        case .machine(let action): action.verb
        case .container(let action): action.verb
        case .network(let action): action.verb
        }
    }

    /// Why the dialog asks: the action table's warning.
    public var warning: String? {
        switch self {
        case .machine(let action): action.kind.rule.warning
        case .container(let action): action.kind.rule.warning
        case .network(.delete(let users)) where !users.isEmpty:
            "In use by \(users.joined(separator: ", ")): their NICs lose their network."
        case .network(let action): action.kind.rule.warning
        }
    }

    public func equivalent(for name: String) -> String {
        switch self {
        case .machine(let action): action.equivalent(for: name)
        case .container(let action): action.kind.rule.equivalent(for: name)
        case .network(let action): action.kind.rule.equivalent(for: name)
        }
    }
}

/// Work the runtime does for the app: nothing in `update` touches libvirt or the terminal itself.
public enum Effect: Sendable, Equatable {
    case refresh
    case perform(MachineAction, MachineKey, name: String)
    case performOnContainer(ContainerAction, MachineKey, name: String)
    case performOnNetwork(NetworkAction, name: String)
    /// Define a network from the form's fields (the port checks them as `virtlab net create` does).
    case createNetwork(name: String, mode: String, subnet: String?, dhcp: String?)
    case fetchLogs(name: String)
    /// A shell inside a running container, the UI stepping aside as for the console.
    case openShell(name: String)
    /// Create and start a VM from a cloud image with cloud-init.
    case launch(imagePath: String, name: String, memoryMiB: Int, sshKeyPath: String?)
    case fetchDetails(MachineKey)
    case fetchXML(MachineKey, name: String)
    case listSnapshots(MachineKey, name: String)
    case openConsole(MachineKey, name: String)
    case cycleTheme
    /// Check the lab's requirements and run its setup.
    case startLab(id: String)
    /// Grade one step, or the whole lab (nil), and save the progress.
    case checkLab(id: String, step: String?)
    /// Grade these students' hosts live (all of the class: nil), then reload the board.
    case regrade(students: [String]?)
    /// A student's report on a lab, with its evidence, for a text dialog.
    case fetchClassReport(student: String, lab: String)
    case quit
}
