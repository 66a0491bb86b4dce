import Foundation
import Inventory
import LabFormat
import TermUI

/// A pane of the dashboard, by name. Each is declared in its folder under Panes/ and listed once in
/// `Panes.all`, whose order gives the tabs and the number keys.
public struct Pane: Hashable, Sendable, CustomStringConvertible {
    public let id: String
    init(_ id: String) { self.id = id }
    public var description: String { id }
    public var title: String { Panes.feature(self).title }
    /// Its number key.
    public var number: Int { Panes.number(self) }
}

public enum CPUMode: Sendable, Equatable {
    /// 100% = one core busy (virt-top's way); a 4-vCPU guest can show 400%.
    case oneCore
    /// 100% = every host core busy.
    case host
}

/// A column the machine list can be sorted by.
public enum MachineSort: Int, CaseIterable, Sendable {
    case name, state, cpu, memory, disk, network, uptime
    public var label: String {
        switch self {
        case .name: "name"
        case .state: "state"
        case .cpu: "CPU%"
        case .memory: "memory"
        case .disk: "disk I/O"
        case .network: "network I/O"
        case .uptime: "uptime"
        }
    }
}

public enum ConnectionStatus: Sendable, Equatable {
    case connecting
    case connected
    /// The link is down; `retryAt` is when the next reconnect attempt happens (monotonic seconds).
    case lost(message: String, retryAt: Double)
}

public struct StatusMessage: Sendable, Equatable {
    public enum Level: Sendable { case info, warning, error }
    public let text: String
    public let level: Level
    public let expiresAt: Double
}

public enum EngineStatus: Sendable, Equatable {
    case connecting
    case connected
    /// No engine: the text says why and what to do.
    case unavailable(String)
}

/// A dialog of labelled text fields (the launch wizard, a new network): Tab or the arrows move between
/// fields, typing edits the one in focus, Enter submits, Esc cancels.
public struct Form: Sendable, Equatable {
    public let labels: [String]
    public var values: [String]
    public var focus = 0

    public init(_ fields: KeyValuePairs<String, String>) {
        labels = fields.map(\.key)
        values = fields.map(\.value)
    }

    public subscript(label: String) -> String {
        get { labels.firstIndex(of: label).map { values[$0] } ?? "" }
        set { if let index = labels.firstIndex(of: label) { values[index] = newValue } }
    }

    public enum Outcome: Sendable, Equatable { case edited, submit, cancel }

    /// What `key` does to the form.
    mutating func edit(_ key: Key) -> Outcome {
        switch key {
        case .escape: return .cancel
        case .enter: return .submit
        case .tab, .down: focus = (focus + 1) % labels.count
        case .backTab, .up: focus = (focus + labels.count - 1) % labels.count
        case .backspace: if !values[focus].isEmpty { values[focus].removeLast() }
        case .character(let c) where values[focus].count < 256: values[focus].append(c)
        default: break
        }
        return .edited
    }
}

public struct AppState: Sendable {
    /// The first connection: the host whose networks and images the dashboard shows and where VMs are launched.
    public var uri: String
    /// Every connection whose machines the list shows, in order (the first is `uri`): one, unless the
    /// dashboard watches several hosts (`--uri` repeated, a class).
    public internal(set) var connections: [String]
    public var isDemo: Bool
    public var readOnly: Bool
    /// Each connection's state and latest inventory, by URI.
    public var links: [String: ConnectionStatus] = [:]
    public var snapshots: [String: InventorySnapshot] = [:]
    /// The first connection's state.
    public var connection: ConnectionStatus {
        get { links[uri] ?? .connecting }
        set { links[uri] = newValue }
    }
    /// The first connection's inventory (its host, networks and images).
    public var snapshot: InventorySnapshot? {
        get { snapshots[uri] }
        set { snapshots[uri] = newValue }
    }
    public var watchesSeveralHosts: Bool { connections.count > 1 }
    /// A class the teacher has open (`virtlab ui --class`): its board, and the students being graded now.
    public var classBoard: ClassBoard?
    public var classProblem: String?
    public var grading: Set<String> = []
    public var selectedStudent: String?
    public var selectedLabColumn = 0
    public var onlyNeedingHelp = false
    public var rates: [MachineKey: MachineRates] = [:]
    public var hostCPUPercent: Double?
    /// Each machine's CPU, memory, disk and network over the session (bounded): the sparkline and the chart.
    public var history: [MachineKey: MachineHistory] = [:]
    /// Rows marked with Space (or `*`, all that the filter shows), with their names: the next action goes to all
    /// of them (a marked VM that vanished meanwhile is reported by the name it had).
    public var marked: [MachineKey: String] = [:]
    /// What virtlab did this session, oldest first (bounded): the Log pane.
    public var actionLog: [ActionRecord] = []
    public static let actionLogLength = 1000
    public var selectedLogRow: Int?
    /// The selected VM's last two per-device readings, for per-disk and per-NIC rates.
    public var deviceCounters: (key: MachineKey, previous: DeviceCounters?, latest: DeviceCounters)?
    /// When virtlab saw a machine start, for uptime where the host cannot tell.
    public var observedStart: [MachineKey: Double] = [:]
    public var details: [MachineKey: MachineDetails] = [:]
    /// Each host's PCI and USB devices, by connection, as last read (the Devices pane asks when shown).
    public var hostDevices: [String: [HostDeviceRow]] = [:]
    /// Whether the terminal draws pictures itself (a VM's screen in the screen view).
    public var graphics: TerminalGraphics = .none
    /// The Devices pane shows display and 3D controllers only (o).
    public var showsGPUsOnly = false
    /// When each machine's details were last asked for (the clock of `now`).
    var detailsFetchedAt: [MachineKey: Double] = [:]
    /// How long details stand: short while a machine boots (its addresses and guest agent arrive then), long
    /// once it has run `bootSeconds` or was running before virtlab saw it (each fetch is an XML parse and a redraw).
    public static let detailsLifetime = 10.0
    public static let settledDetailsLifetime = 60.0
    public static let bootSeconds = 120.0

    public var engine: EngineStatus = .connecting
    public var engineSnapshot: EngineSnapshot?
    public var containerRates: [MachineKey: MachineRates] = [:]
    public var selectedContainer: MachineKey?
    /// The user's public key file, offered by the launch wizard (found at start-up).
    public var defaultSSHKey: String = ""
    /// The user's home directory (a session daemon's new disks go under it), told at start-up.
    public var homeDirectory: String = ""

    /// Lab files that load, the saved progress in each (by lab id), and the files that do not load.
    public var labs: [Lab] = []
    public var labProgress: [String: LabReport] = [:]
    public var labProblems: [String] = []
    public var selectedLab: String?
    /// The student's values in each lab (VM names and paths derive from the student's name).
    public var labParameters: [String: Parameters] = [:]
    /// Each lab's questions in the student's order of choices, with their answers so far.
    public var labQuestions: [String: [LabQuestion]] = [:]
    /// Each lab's environment item by item, as last read (labs without one: absent).
    public var labEnvironments: [String: [EnvironmentRow]] = [:]
    public var openLab: OpenLab?

    /// The machines the list shows, filtered and sorted: kept by `update`, read by the view.
    public internal(set) var visibleMachines = ShownMachines()
    /// What `visibleMachines` was last sorted for; `update` re-sorts when it changes.
    var machineOrder = MachineOrder()
    /// Bumped whenever the machines change (a snapshot, an event).
    var machinesGeneration = 0

    /// The selected network, by name (names are unique per connection).
    public var selectedNetwork: String?
    /// A pane's selected row by an id of its own choosing, for panes that keep nothing else: a new pane needs
    /// no field here.
    public var selections: [Pane: String] = [:]
    public var focus: Pane = .machines
    public var selectedMachine: MachineKey? { didSet { locateSelectedMachine() } }
    /// Where `selectedMachine` is in `visibleMachines` (the first row when it is not there, nil for an empty
    /// list): found once per change of either, not per use.
    public internal(set) var selectedRow: Int?
    public var selectedImage: String?
    public var filter = ""
    public var editingFilter = false
    public var sort: MachineSort = .name
    public var sortDescending = false
    public var cpuMode: CPUMode = .oneCore
    /// Seconds between refreshes.
    public var refreshInterval: Double
    public var status: StatusMessage?
    /// The migration under way, nil when none runs (Esc then cancels it).
    public internal(set) var migrating: MigrationUnderWay?
    /// The dialog open over the panes, if any: it takes the keys until it closes.
    public var modal: (any Dialog)?
    public var themeName: String
    public var now: Double = 0
    public var quitRequested = false
    /// What is due when: refreshes, reconnects, the class board, the engine's pace.
    public var schedule: Schedule

    /// Samples kept per machine: 30 minutes at the default 2 s refresh (14 MB at 1,000 machines, at most).
    public static let historyLength = 900
    public static let refreshBounds = 0.5...60.0

    public init(uri: String, isDemo: Bool, readOnly: Bool, refreshInterval: Double = 2, themeName: String = "default",
                moreConnections: [String] = []) {
        self.uri = uri
        connections = [uri] + moreConnections.filter { $0 != uri }
        schedule = Schedule(connections: connections)
        self.isDemo = isDemo
        self.readOnly = readOnly
        self.refreshInterval = min(max(refreshInterval, Self.refreshBounds.lowerBound), Self.refreshBounds.upperBound)
        self.themeName = themeName
    }
}

/// Everything the order of the machine list depends on.
struct MachineOrder: Sendable, Equatable {
    var generation = 0
    var filter = ""
    var sort = MachineSort.name
    var descending = false

    init() {}

    init(state: AppState) {
        generation = state.machinesGeneration
        filter = state.filter
        sort = state.sort
        descending = state.sortDescending
    }

    /// The same filter and order (the machines may have changed).
    func sameOrder(as other: MachineOrder) -> Bool {
        filter == other.filter && sort == other.sort && descending == other.descending
    }
}

/// The lab a student has open: which step, how many of its hints are shown, where the text is scrolled.
public struct OpenLab: Sendable, Equatable {
    public let id: String
    public var step: Int
    public var hintsShown: [String: Int] = [:]
    public var scroll = 0
    /// Expected/got, the command and its output under each check result.
    public var evidence = false
    public var checking = false

    public init(id: String, step: Int) {
        self.id = id
        self.step = step
    }
}

/// VMs moving to another host, one at a time: libvirt's latest figures for the one moving now, shown in the status bar
/// and in each moving VM's detail.
public struct MigrationUnderWay: Sendable, Equatable {
    public let vms: [MachineKey]
    public let destination: String
    public internal(set) var figures: String
}
