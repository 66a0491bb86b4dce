import Inventory
import TermUI
import VirtKit

/// Something that happened: a key, a new inventory sample, an event, the result of an action.
public enum Message: Sendable {
    case key(Key)
    case tick(now: Double)
    case snapshot(InventorySnapshot)
    case refreshFailed(String)
    case connectionLost(String, retryAt: Double)
    case reconnected
    case domainEvent(DomainEvent)
    case details(MachineKey, DomainDetails)
    case actionFinished(String)
    case actionFailed(String)
    case snapshotsListed(MachineKey, name: String, [String])
    case xml(name: String, String)
    case themeChanged(name: String)
    case themeFailed(String)
}

public enum MachineAction: Sendable, Equatable {
    case start, shutdown, reboot, forceOff, pause, resume
    case createSnapshot(String)
    case revertSnapshot(String)
    case delete(removeStorage: Bool)

    /// Words for status lines and dialogs: "force off", "revert to snapshot 'clean'".
    public var verb: String {
        switch self {
        case .start: "start"
        case .shutdown: "shut down"
        case .reboot: "reboot"
        case .forceOff: "force off"
        case .pause: "pause"
        case .resume: "resume"
        case .createSnapshot(let name): "snapshot as '\(name)'"
        case .revertSnapshot(let name): "revert to snapshot '\(name)'"
        case .delete(let storage): storage ? "delete (with its storage)" : "delete"
        }
    }

    /// Why a confirmation asks, for actions that lose work.
    public var warning: String? {
        switch self {
        case .shutdown: "The guest is asked to shut down; unsaved work inside it may be lost."
        case .reboot: "The guest reboots; unsaved work inside it may be lost."
        case .forceOff: "Like pulling the plug: the guest gets no chance to save anything."
        case .revertSnapshot: "Everything since that snapshot is lost."
        default: nil
        }
    }
}

/// Work the runtime does for the app: nothing in `update` touches libvirt or the terminal itself.
public enum Effect: Sendable, Equatable {
    case refresh
    case perform(MachineAction, MachineKey, name: String)
    case fetchDetails(MachineKey)
    case fetchXML(name: String)
    case listSnapshots(MachineKey, name: String)
    case openConsole(name: String)
    case cycleTheme
    case quit
}
