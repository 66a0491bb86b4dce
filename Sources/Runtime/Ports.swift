import App
import Inventory
import LabFormat
import TermUI

/// The hypervisor as the dashboard needs it. Its calls block (libvirt's C API): the runtime makes them on a
/// lane of their own, one at a time, never on the loop and never on Swift's cooperative pool.
public protocol MachinePort: AnyObject, Sendable {
    /// Opens (or reopens) the connection; lifecycle events go to `events` until the next connect or close.
    func connect(events: @escaping @Sendable (MachineEvent) -> Void) throws
    /// `completing`: the machines (by UUID) whose counters must be read this time; nil: all. See
    /// `AppState.machinesToMeasure`.
    func snapshot(completing: Set<String>?) throws -> InventorySnapshot
    /// After a failed call: false when the connection itself is gone, so the runtime reconnects.
    var isAlive: Bool { get }
    func details(_ key: MachineKey) throws -> MachineDetails
    func xml(_ name: String) throws -> String
    /// What the VM's display shows now.
    func screen(_ name: String) throws -> Picture
    /// Presses the keys together on the VM's keyboard (Linux key codes).
    func sendKeys(_ name: String, _ codes: [UInt32]) throws
    /// The VM's snapshots, parents before children.
    func snapshots(_ key: MachineKey) throws -> [SnapshotNode]
    /// The VM's per-disk and per-NIC counters as the last snapshot read them (nil: not in it).
    func devices(_ key: MachineKey) -> DeviceCounters?
    /// Does it; returns the line for the status bar ("cloned web1 as web2").
    func perform(_ action: MachineAction, _ key: MachineKey, name: String) throws -> String
    /// Moves the VM to the watched host `destination`, its checks first (a refusal throws with every reason),
    /// reporting libvirt's figures as lines; returns the line for the status bar. Not on the lane: it takes as long
    /// as the copy does, and the task's cancellation cancels the move (the VM runs on where it was).
    func migrate(_ key: MachineKey, name: String, to destination: String,
                 progress: @escaping @Sendable (String) -> Void) async throws -> String
    /// Starts this host's standby copies of the VMs protected away from `home`, a lost host (`vm recover` for each),
    /// each only where the disk locks let it; returns the line for the status bar, throws when one was refused.
    func recover(lostHome home: String) throws -> String
    /// Starts, stops, deletes a network or changes its autostart; returns the line for the status bar.
    func perform(_ action: NetworkAction, network name: String) throws -> String
    /// Defines a network from what the user typed, checked as `virtlab net create` checks it; returns the line for
    /// the status bar.
    func createNetwork(name: String, mode: String, subnet: String?, dhcp: String?) throws -> String
    /// Creates and starts a VM from a cloud image; returns the line for the status bar.
    func launch(imagePath: String, name: String, memoryMiB: Int, sshKeyPath: String?) throws -> String
    /// Creates and starts a VM from an installer ISO, a disk or the network, as `virtlab vm create` does; returns
    /// the line for the status bar (with osinfo-db's notes).
    func install(_ request: InstallRequest) throws -> String
    /// The host's PCI and USB devices, each assessed for passthrough (`virtlab host devices`).
    func hostDevices() throws -> [HostDeviceRow]
    /// Binds the device to vfio-pci, or gives it back to its host driver (`virtlab host device detach|reattach`),
    /// where the assessment allows; returns the line for the status bar.
    func bindHostDevice(_ address: String, release: Bool) throws -> String
    /// Attaches the terminal to the VM's serial console until the user leaves; returns the outcome.
    func console(_ name: String) -> String
    func close()
}

/// The container engine (Docker or Podman's API service). Its calls are async (blocking socket I/O on the pool underneath).
public protocol ContainerPort: Sendable {
    /// Connects; returns what to log ("Podman Engine 4.3.1 at unix:///run/podman/podman.sock").
    func connect() async throws -> String
    func snapshot() async throws -> EngineSnapshot
    func perform(_ action: ContainerAction, _ key: MachineKey) async throws
    func logs(_ name: String) async throws -> String
    /// Creates a shell in the container; the session is attached to the terminal by the loop.
    func shell(_ name: String) async throws -> any ShellSession
}

/// An interactive shell ready to attach.
public protocol ShellSession: Sendable {
    /// Relays the terminal to the shell until it ends or the user leaves; returns the outcome.
    func attach() -> String
}

/// Labs: finding them, starting one (its requirements and setup), grading it.
public protocol LabPort: Sendable {
    func load() -> LabShelf
    /// What the lab needs and this host lacks, and the setups that failed. Takes as long as setup takes
    /// (minutes, for a guest to boot), so it must keep its blocking work off the pool (the grader runs each
    /// process and libvirt call on the blocking pool).
    func start(_ lab: Lab, fresh: Bool) async -> (unmet: [String], failures: [String])
    /// Grades the step (or the whole lab) and saves the progress; the error when saving failed. Off the pool
    /// as `start` is.
    func check(_ lab: Lab, step: String?) async -> (report: LabReport, saveError: String?)
    /// Keeps the student's answers to questions; returns the lab's questions as kept, or why they could not be.
    func answer(_ lab: Lab, _ answers: [LabAnswer]) async throws -> [LabQuestion]
    /// The lab's environment item by item.
    func environment(_ lab: Lab) async throws -> [EnvironmentRow]
    /// What the change would do, in order, without doing it.
    func plan(_ change: EnvironmentChange, _ lab: Lab) async throws -> [PlannedChange]
    /// Does the change step by step, telling `each` how every step went (on the connection given); stops at the
    /// first failure, which it throws.
    func perform(_ change: EnvironmentChange, _ lab: Lab,
                 each: @escaping @Sendable (_ connection: String, PlannedChange, ActionRecord.Outcome) -> Void) async throws
}

/// A class's gradebook and hosts, for the teacher's dashboard. Its work (SQLite reads, grading over ssh) runs
/// off the cooperative pool, each blocking call on the blocking pool.
public protocol ClassPort: Sendable {
    /// The board as the gradebook has it now.
    func board() async throws -> ClassBoard
    /// Grades these students' hosts live (everyone: nil), stores the grades, and returns the new board.
    func regrade(students: [String]?) async throws -> ClassBoard
    /// The student's report on the lab from the attempt that counts (else the last), with its evidence.
    func report(student: String, lab: String) async throws -> String
}

/// The screen and the keyboard.
public protocol TerminalPort: AnyObject {
    var size: Size { get }
    func draw(_ buffer: Buffer)
    /// The next key or resize, or nil after `timeoutMilliseconds` or a `wake`.
    func read(timeoutMilliseconds: Int32) -> TerminalInput?
    /// Ends a `read` early; called from any thread.
    var wakeUp: @Sendable () -> Void { get }
    /// Hands the real terminal to `body` (a console, a shell), then takes it back and redraws.
    func suspended<T>(_ body: () -> T) -> T
    /// A signal asked the app to quit.
    var interrupted: Bool { get }
    /// The theme after `current` in the catalog, loaded for this terminal.
    func nextTheme(after current: Theme) throws -> Theme
    func shutdown()
}

/// A port's failure, already in the words the status bar shows.
public struct PortError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
