import Foundation
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
    /// A refresh of the connection's machines ended, however it went.
    case refreshDone(connection: String)
    /// The connection is gone (or never came): retried with back-off.
    case connectionFailed(connection: String, String)
    case reconnected(connection: String)
    case machineEvent(MachineEvent)
    case details(MachineKey, MachineDetails)
    /// A host's PCI and USB devices, each with whether it can go to a guest.
    case hostDevices(connection: String, [HostDeviceRow])
    /// The VM's display, or why it could not be had.
    case screen(MachineKey, Picture?, problem: String?)
    /// The selected VM's per-disk and per-NIC counters, read with the refresh.
    case devices(MachineKey, DeviceCounters)
    case actionFinished(String)
    /// A migration's figures while it runs (one line), and its end.
    case migrationProgress(String)
    case migrationEnded(String, failed: Bool)
    case actionFailed(String)
    /// The snapshots of the VMs the picker is for, each VM's tree in the same order: one VM's tree is shown,
    /// for several the names every one of them has.
    case snapshotsListed([MachineRef], [[SnapshotNode]])
    /// One action on several VMs ended: how many, which failed, how many were left out before it started.
    case manyPerformed(MachineAction, total: Int, failed: [String], refused: Int)
    /// An action was done or failed: a row of the Log pane, with its command line.
    case logged(ActionRecord)
    /// A text to read in a scrolling dialog: a domain's XML, a container's logs.
    case document(title: String, String)
    case themeChanged(name: String)
    /// A theme or a settings file refused (said in the status line, the defaults used instead).
    case setupRefused(String)
    /// The labs found, each student's values and answers to them (worked out by the runtime: they read the
    /// environment and the image library), the saved progress, and the files that do not load.
    case labsLoaded(LabShelf)
    /// A lab's requirements were looked at (and its setup run): what is missing, if anything.
    case labStarted(id: String, unmet: [String])
    /// A check ran; the report holds the saved results of every step checked so far.
    case labChecked(LabReport, checkedStep: String?)
    case labFailed(String)
    /// Answers were kept: the lab's questions with the answers as they now stand.
    case labAnswered(lab: String, [LabQuestion])
    /// A lab's environment item by item, as it stands now.
    case labEnvironment(lab: String, [EnvironmentRow])
    /// What a change to a lab's environment would do (nothing: an empty list), for the dialog that confirms it.
    case labEnvironmentPlanned(lab: String, EnvironmentChange, [PlannedChange])
    /// A change to a lab's environment ended: done, or stopped at a step (each step has its Log row).
    case labEnvironmentChanged(lab: String, EnvironmentChange, failure: String?)
    /// The class's board as the gradebook has it now.
    case classLoaded(ClassBoard)
    /// The board after grading students live: they are no longer being graded.
    case classGraded(ClassBoard, students: [String]?)
    case classFailed(String)
}

/// A VM by its key, with the name the user saw when asking.
public struct MachineRef: Sendable, Hashable {
    public let key: MachineKey
    public let name: String
    public init(_ key: MachineKey, _ name: String) {
        self.key = key
        self.name = name
    }
}

/// A marked VM a bulk action leaves out, and why ("cannot start 'web1': it is running").
public struct MachineRefusal: Sendable, Equatable {
    public let machine: MachineRef
    public let reason: String
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
        case .machine(let action): action.warning
        case .container(let action): action.warning
        case .network(let action): action.warning
        }
    }

    /// The command that does the same to `name`, shown in the dialog.
    public func command(for name: String) -> String {
        switch self {
        case .machine(let action): action.command(for: name)
        case .container(let action): action.command(for: name)
        case .network(let action): action.command(for: name)
        }
    }
}

/// Work the runtime does for the app: nothing in `update` touches libvirt or the terminal itself.
public enum Effect: Sendable, Equatable {
    /// Open (or open again) the connection.
    case connect(connection: String)
    /// Sample the connection's machines (the rows in view measured in full, the selected VM's devices).
    case refreshMachines(connection: String)
    /// Read the class's board from the gradebook.
    case loadClass
    /// Sample the engine every `interval` seconds from now on; `sampleNow`: do not wait for the current turn.
    case paceEngine(interval: Double, sampleNow: Bool)
    case perform(MachineAction, MachineKey, name: String)
    /// Moves the VMs (all on one host) to another watched host, one at a time; `cancelMigration` stops the move
    /// under way (the VM runs on where it was) and the ones after it.
    case migrate([MachineRef], to: String)
    case cancelMigration
    /// Starts, on each of `standbys`, the copies kept there of the VMs protected away from the lost host `home`.
    case recover(lostHome: String, standbys: [String])
    /// One action for each of several VMs, one after the other; the refused ones are only logged.
    case performMany(MachineAction, [MachineRef], refused: [MachineRefusal])
    case performOnContainer(ContainerAction, MachineKey, name: String)
    case performOnNetwork(NetworkAction, name: String)
    /// Define a network from the form's fields (the port checks them as `virtlab net create` does).
    case createNetwork(name: String, mode: String, subnet: String?, dhcp: String?)
    case fetchLogs(name: String)
    /// A shell inside a running container, the UI stepping aside as for the console.
    case openShell(name: String)
    /// Create and start a VM from a cloud image with cloud-init.
    case launch(imagePath: String, name: String, memoryMiB: Int, sshKeyPath: String?)
    /// Create and start a VM from an installer ISO, a disk, or the network, sized from osinfo-db.
    case install(InstallRequest)
    case fetchDetails(MachineKey)
    case fetchHostDevices(connection: String)
    /// Bind a PCI device to vfio-pci (or give it back to its host driver), then list the devices again.
    case bindHostDevice(connection: String, HostDeviceRow, release: Bool)
    case fetchXML(MachineKey, name: String)
    /// The VM's display as a picture, for the screen dialog.
    case fetchScreen(MachineKey, name: String)
    /// Keys pressed together on the VM's keyboard (Linux key codes).
    case sendKeys(MachineKey, name: String, [UInt32])
    /// One VM's snapshot tree, or the snapshot names all of several VMs have.
    case listSnapshots([MachineRef])
    case openConsole(MachineKey, name: String)
    case cycleTheme
    /// Check the lab's requirements and run its setup.
    case startLab(id: String)
    /// Grade one step, or the whole lab (nil), and save the progress.
    case checkLab(id: String, step: String?)
    /// Keep the answers to a step's questions, then grade the step.
    case answerLab(id: String, step: String, [LabAnswer])
    /// Read how the lab's environment stands.
    case readLabEnvironment(id: String)
    /// Work out what the change would do, without doing it.
    case planLabEnvironment(id: String, EnvironmentChange)
    /// Do the change (`lab up`, `reset`, `down`), each step logged.
    case changeLabEnvironment(id: String, EnvironmentChange)
    /// Grade these students' hosts live (all of the class: nil), then reload the board.
    case regrade(students: [String]?)
    /// A student's report on a lab, with its evidence, for a text dialog.
    case fetchClassReport(student: String, lab: String)
    case quit
}

extension Effect {
    /// What the effect does, for the Log pane and the log file: its words and the equivalent command line, on which
    /// connection (the first one, `uri`, for networks and launches). Nil for effects that change nothing.
    public func logged(uri: String) -> (connection: String, what: String, command: String)? {
        switch self {
        case .perform(let action, let key, let name):
            return (key.connection, "\(action.verb) \(name)", action.command(for: name, uri: key.connection))
        case .performOnContainer(let action, _, let name):
            return ("container engine", "\(action.verb) \(name)", action.command(for: name))
        case .performOnNetwork(let action, let name):
            return (uri, "\(action.verb) \(name)", action.command(for: name, uri: uri))
        case .createNetwork(let name, _, _, _):
            return (uri, "define network \(name)", EquivalentCommand.defineNetwork(name, uri: uri))
        case .launch(let imagePath, let name, let memoryMiB, _):
            return (uri, "create \(name) from \((imagePath as NSString).lastPathComponent)",
                    EquivalentCommand.launch(name: name, image: imagePath, memoryMiB: memoryMiB, uri: uri))
        case .bindHostDevice(let connection, let device, let release):
            return (connection, release ? "give \(device.address) back to the host" : "bind \(device.address) to vfio-pci",
                    device.bindCommand(release: release, uri: connection))
        case .install(let request):
            return (uri, "create \(request.name) from \((request.source as NSString).lastPathComponent)", request.command(uri: uri))
        default:
            return nil
        }
    }
}
