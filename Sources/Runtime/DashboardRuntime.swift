import App
import Dispatch
import Inventory
import LabFormat
import Logging
import Synchronization
import TermUI

/// Runs the full-screen dashboard: App's loop (update, view) with its effects done through the ports.
/// The loop owns the state and the terminal and never blocks on a port: hypervisor calls go to the machine
/// lane (a thread of their own), the engine and the labs to tasks, and each answer comes back as a message.
public final class DashboardRuntime: @unchecked Sendable {
    /// How often to retry a lost connection: doubling from `first` up to `limit` seconds.
    public struct Backoff: Sendable {
        public var first: Double
        public var limit: Double
        public init(first: Double = 1, limit: Double = 30) {
            self.first = first
            self.limit = limit
        }
    }

    /// What the lanes and tasks hand to the loop.
    private enum Inbound: Sendable {
        case message(Message)
        /// The connection is gone (or never came): the loop schedules a reconnect with back-off.
        case connectionFailed(String)
        case refreshDone
        case attachShell(any ShellSession, name: String)
    }

    // Owned by the loop.
    private var state: AppState
    private var theme: Theme
    private let glyphs: Glyphs
    private let terminal: TerminalPort
    private var refreshInFlight = false
    private var nextRefreshAt = 0.0
    private var reconnectAt: Double?
    private var backoff: Double
    private var running = true

    private let machines: MachinePort
    private let containers: ContainerPort
    private let labs: LabPort
    private let policy: Backoff
    private let logger: Logger
    private let machineLane = Lane(name: "virtlab.libvirt")
    private let inbox = Mutex<[Inbound]>([])
    private let engineInterval: Mutex<Double>
    private var engineTask: Task<Void, Never>?
    private let firstSnapshotLogged = Atomic<Bool>(false)

    public init(state: AppState, theme: Theme, glyphs: Glyphs, terminal: TerminalPort, machines: MachinePort,
                containers: ContainerPort, labs: LabPort, backoff: Backoff = Backoff(),
                logger: Logger = Logger(label: "virtlab.dashboard") { _ in SwiftLogNoOpLogHandler() }) {
        self.state = state
        self.theme = theme
        self.glyphs = glyphs
        self.terminal = terminal
        self.machines = machines
        self.containers = containers
        self.labs = labs
        self.policy = backoff
        self.backoff = backoff.first
        self.logger = logger
        engineInterval = Mutex(state.refreshInterval)
    }

    public static func monotonicNow() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    private func post(_ message: Message) { post(Inbound.message(message)) }

    private func post(_ inbound: Inbound) {
        inbox.withLock { $0.append(inbound) }
        terminal.wake()
    }

    /// Runs until the user quits or a signal arrives; gives the terminal back either way.
    public func run() {
        defer {
            engineTask?.cancel()
            machineLane.stop()
            terminal.shutdown()
        }
        connect()
        startEngine()
        let shelf = labs.load()
        _ = dispatch(.labsLoaded(shelf.labs, parameters: shelf.parameters, progress: shelf.progress,
                                 problems: shelf.problems))
        var dirty = true
        while running {
            if terminal.interrupted {
                logger.info("signal: quitting")
                break
            }
            let now = Self.monotonicNow()
            dirty = dispatch(.tick(now: now)) || dirty
            for inbound in inbox.withLock({ pending in defer { pending.removeAll() }; return pending }) {
                switch inbound {
                case .message(let message):
                    if case .reconnected = message { backoff = policy.first }
                    dirty = dispatch(message) || dirty
                case .connectionFailed(let reason):
                    lost(reason)
                    dirty = true
                case .refreshDone:
                    refreshInFlight = false
                case .attachShell(let session, let name):
                    let outcome = terminal.suspended { session.attach() }
                    logger.info("shell in \(name): \(outcome)")
                    dirty = dispatch(.actionFinished(outcome)) || dirty
                }
            }
            if let at = reconnectAt, now >= at {
                reconnectAt = nil
                connect()
            }
            if !refreshInFlight, now >= nextRefreshAt, state.connection == .connected {
                refresh()
            }
            if dirty {
                terminal.draw(view(state, size: terminal.size, theme: theme, glyphs: glyphs))
                dirty = false
            }
            switch terminal.read(timeoutMilliseconds: sleepMilliseconds(now: now)) {
            case .key(let key)?: dirty = dispatch(.key(key)) || dirty
            case .resize?: dirty = true
            case nil: break
            }
        }
        machines.close()
    }

    /// How long the loop may sleep: until the next refresh or reconnect, capped so status messages and the
    /// reconnect countdown still tick about once a second.
    private func sleepMilliseconds(now: Double) -> Int32 {
        var next = now + 1
        if !refreshInFlight && state.connection == .connected { next = min(next, nextRefreshAt) }
        if let reconnectAt { next = min(next, reconnectAt) }
        return Int32(max(0, min(1000, (next - now) * 1000)).rounded(.up))
    }

    /// Runs `update` and the effects it asks for; returns true when the screen may have changed.
    private func dispatch(_ message: Message) -> Bool {
        let before = state.status
        let effects = update(&state, message)
        for effect in effects { perform(effect) }
        if case .tick = message { return state.status != before || isCountingDown }
        return true
    }

    private var isCountingDown: Bool {
        if case .lost = state.connection { return true }
        return false
    }

    // MARK: - Effects

    private func perform(_ effect: Effect) {
        let machines = machines
        switch effect {
        case .refresh: nextRefreshAt = 0
        case .quit: running = false
        case .cycleTheme: cycleTheme()
        case .openConsole(let name):
            let outcome = terminal.suspended { machines.console(name) }
            logger.info("\(outcome)")
            post(.actionFinished(outcome))
        case .openShell(let name):
            onEngine("shell in \(name)") { containers in
                self.post(Inbound.attachShell(try await containers.shell(name), name: name))
            }
        case .performOnContainer(let action, let key, let name):
            onEngine("\(action.verb) \(name)") { containers in
                try await containers.perform(action, key)
                self.logger.info("\(action.verb) container \(name): done")
                self.post(.actionFinished("\(action.verb) \(name): done"))
                self.post(.engineSnapshot(try await containers.snapshot()))
            }
        case .fetchLogs(let name):
            onEngine("logs of \(name)") { containers in
                self.post(.document(title: "Logs of \(name) (last 1000 lines)", try await containers.logs(name)))
            }
        case .launch(let imagePath, let name, let memoryMiB, let sshKeyPath):
            onMachines {
                .actionFinished(try machines.launch(imagePath: imagePath, name: name, memoryMiB: memoryMiB,
                                                    sshKeyPath: sshKeyPath))
            }
        case .perform(let action, let key, let name):
            onMachines { .actionFinished(try machines.perform(action, key, name: name)) }
        case .performOnNetwork(let action, let name):
            onMachines { .actionFinished(try machines.perform(action, network: name)) }
        case .createNetwork(let name, let mode, let subnet, let dhcp):
            onMachines { .actionFinished(try machines.createNetwork(name: name, mode: mode, subnet: subnet, dhcp: dhcp)) }
        case .fetchDetails(let key):
            // Details are a nicety: a VM that vanished meanwhile simply shows none.
            Task {
                if let details = try? await machineLane.run({ try machines.details(key) }) {
                    post(.details(key, details))
                }
            }
        case .fetchXML(let name):
            onMachines { .document(title: "XML of \(name)", try machines.xml(name)) }
        case .listSnapshots(let key, let name):
            onMachines { .snapshotsListed(key, name: name, try machines.snapshots(key)) }
        case .startLab(let id): startLab(id)
        case .checkLab(let id, let step): checkLab(id, step)
        }
    }

    /// Runs `body` on the machine lane and posts what it returns; a failure becomes one line in the status
    /// bar (and the log).
    private func onMachines(_ body: @escaping @Sendable () throws -> Message) {
        Task {
            do {
                let message = try await machineLane.run(body)
                if case .actionFinished(let line) = message { logger.info("\(line)") }
                post(message)
            } catch {
                let line = userLine(error)
                logger.error("\(line)")
                post(.actionFailed(line))
            }
        }
    }

    /// Runs `body` with the engine; a failure becomes one line in the status bar (and the log).
    private func onEngine(_ what: String, _ body: @escaping @Sendable (ContainerPort) async throws -> Void) {
        let containers = containers
        Task {
            do {
                try await body(containers)
            } catch {
                let line = "\(what): \(userLine(error))"
                logger.error("\(line)")
                post(.actionFailed(line))
            }
        }
    }

    // MARK: - Labs

    /// Setup runs for minutes at times (a guest booting): a task the loop never waits for.
    private func startLab(_ id: String) {
        guard let lab = state.labs.first(where: { $0.id == id }) else { return }
        // Setup runs once, when the lab is first opened (the saved progress says it was).
        let fresh = state.labProgress[id] == nil
        let labs = labs
        Task {
            let (unmet, failures) = await labs.start(lab, fresh: fresh)
            for failure in failures { post(.labFailed(failure)) }
            post(.labStarted(id: id, unmet: unmet))
        }
    }

    private func checkLab(_ id: String, _ step: String?) {
        guard let lab = state.labs.first(where: { $0.id == id }) else { return }
        let labs = labs
        Task {
            let (report, saveError) = await labs.check(lab, step: step)
            post(.labChecked(report, checkedStep: step))
            if let saveError { post(.labFailed("progress not saved: \(saveError)")) }
        }
    }

    // MARK: - Refresh and connection

    private func refresh() {
        refreshInFlight = true
        engineInterval.withLock { $0 = state.refreshInterval }
        nextRefreshAt = Self.monotonicNow() + state.refreshInterval
        let machines = machines
        let wanted = state.machinesToMeasure(rows: terminal.size.height)
        Task {
            defer { post(Inbound.refreshDone) }
            do {
                let snapshot = try await machineLane.run { try machines.snapshot(completing: wanted) }
                if !firstSnapshotLogged.exchange(true, ordering: .relaxed) {
                    logger.info("first snapshot: \(snapshot.machines.count) machines")
                }
                post(.snapshot(snapshot))
            } catch {
                if await machineLane.run({ machines.isAlive }) {
                    post(.refreshFailed(userLine(error)))
                } else {
                    post(Inbound.connectionFailed(userLine(error)))
                }
            }
        }
    }

    private func connect() {
        let machines = machines, uri = state.uri
        Task {
            do {
                try await machineLane.run {
                    try machines.connect { [weak self] event in self?.post(.machineEvent(event)) }
                }
                logger.info("connected to \(uri)")
                post(.reconnected)
            } catch {
                post(Inbound.connectionFailed(userLine(error)))
            }
        }
    }

    /// A lost or failed connection: say so, keep the last numbers on screen, and retry with back-off.
    private func lost(_ reason: String) {
        let retryIn = backoff
        backoff = min(backoff * 2, policy.limit)
        let at = Self.monotonicNow() + retryIn
        reconnectAt = at
        logger.warning("connection lost: \(reason); retry in \(retryIn) s")
        _ = update(&state, .connectionLost(reason, retryAt: at))
    }

    // MARK: - Containers

    /// Connects to the engine and samples it every refresh interval; when there is none (or it goes away) the
    /// Containers pane says why, and connecting is retried with back-off.
    private func startEngine() {
        let containers = containers, policy = policy
        engineTask = Task { [weak self] in
            var backoff = policy.first
            while !Task.isCancelled, let self {
                do {
                    let engine = try await containers.connect()
                    logger.info("container engine: \(engine)")
                    backoff = policy.first
                    while !Task.isCancelled {
                        post(.engineSnapshot(try await containers.snapshot()))
                        try await Task.sleep(for: .seconds(engineInterval.withLock { $0 }))
                    }
                } catch is CancellationError {
                    return
                } catch {
                    let line = userLine(error)
                    logger.warning("container engine: \(line); retry in \(backoff) s")
                    post(.engineUnavailable(line))
                    try? await Task.sleep(for: .seconds(backoff))
                    backoff = min(backoff * 2, policy.limit)
                }
            }
        }
    }

    // MARK: - Themes

    private func cycleTheme() {
        do {
            theme = try terminal.nextTheme(after: theme)
            post(.themeChanged(name: theme.name))
        } catch {
            post(.themeFailed("\(error)"))
        }
    }
}

/// A port's error as one line: its own description (ports throw errors that read as sentences).
func userLine(_ error: Error) -> String {
    String(describing: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
}
