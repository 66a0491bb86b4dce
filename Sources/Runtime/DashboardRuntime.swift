import App
import Dispatch
import Foundation
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
        case connectionFailed(connection: String, String)
        case refreshDone(connection: String)
        case attachShell(any ShellSession, name: String)
        case classDone
    }

    /// One connection: its port, a lane of its own (a slow or lost host holds up only itself), and when it is
    /// next refreshed or reconnected. The mutable parts are the loop's.
    private final class Link {
        let uri: String
        let port: MachinePort
        let lane: Lane
        var refreshInFlight = false
        var nextRefreshAt = 0.0
        var reconnectAt: Double?
        var backoff: Double

        /// `index`: its place among the connections; thread names are cut at 15 characters on Linux.
        init(uri: String, index: Int, port: MachinePort, backoff: Double) {
            (self.uri, self.port, self.backoff) = (uri, port, backoff)
            lane = Lane(name: index == 0 ? "virtlab.libvirt" : "virtlab.host\(index)")
        }
    }

    // Owned by the loop.
    private var state: AppState
    private var theme: Theme
    private let glyphs: Glyphs
    private let terminal: TerminalPort
    private var running = true
    private var classInFlight = false
    private var nextClassReloadAt = 0.0

    private let links: [Link]
    private let containers: ContainerPort
    private let labs: LabPort
    private let classroom: ClassPort?
    private let policy: Backoff
    private let logger: Logger
    private let inbox = Mutex<[Inbound]>([])
    /// Seconds between engine samples: the refresh interval while the Containers pane is shown, else at most
    /// one every `backgroundEngineSeconds` (enough for its tab's count; sampling a pane nobody looks at costs
    /// as much as a refresh of a hundred VMs).
    private let engineInterval: Mutex<Double>
    /// Woken when the Containers pane comes into view or the interval shortens: the engine is sampled at once,
    /// not at its next turn.
    private let engineTurn = Wakeup()
    private let backgroundEngineSeconds: Double
    private var engineTask: Task<Void, Never>?
    private let firstSnapshotLogged = Atomic<Bool>(false)
    private let clock: RuntimeClock
    /// How often the class board is read again from the gradebook (grades from other terminals show up).
    static let classReloadSeconds = 10.0

    /// - machines: the first connection's (`state.uri`); hosts: the others', by URI (`state.connections`).
    public init(state: AppState, theme: Theme, glyphs: Glyphs, terminal: TerminalPort, machines: MachinePort,
                hosts: [String: MachinePort] = [:], containers: ContainerPort, labs: LabPort, classroom: ClassPort? = nil,
                backoff: Backoff = Backoff(), backgroundEngineSeconds: Double = 5, clock: RuntimeClock = SystemClock(),
                logger: Logger = Logger(label: "virtlab.dashboard") { _ in SwiftLogNoOpLogHandler() }) {
        self.state = state
        self.theme = theme
        self.glyphs = glyphs
        self.terminal = terminal
        links = state.connections.enumerated().compactMap { index, uri in
            (uri == state.uri ? machines : hosts[uri]).map { Link(uri: uri, index: index, port: $0, backoff: backoff.first) }
        }
        self.containers = containers
        self.labs = labs
        self.classroom = classroom
        self.policy = backoff
        self.logger = logger
        engineInterval = Mutex(Self.engineInterval(focus: state.focus, refresh: state.refreshInterval,
                                                   background: backgroundEngineSeconds))
        self.backgroundEngineSeconds = backgroundEngineSeconds
        self.clock = clock
    }

    /// The link a machine lives on (the first connection's for anything else).
    private func link(_ connection: String) -> Link { links.first { $0.uri == connection } ?? links[0] }

    private func post(_ message: Message) { post(Inbound.message(message)) }

    private func post(_ inbound: Inbound) {
        inbox.withLock { $0.append(inbound) }
        terminal.wake()
    }

    /// Runs until the user quits or a signal arrives; gives the terminal back either way.
    public func run() {
        defer {
            engineTask?.cancel()
            for link in links { link.lane.stop() }
            terminal.shutdown()
        }
        for link in links { connect(link) }
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
            let now = clock.now
            dirty = dispatch(.tick(now: now)) || dirty
            for inbound in inbox.withLock({ pending in defer { pending.removeAll() }; return pending }) {
                switch inbound {
                case .message(let message):
                    if case .reconnected(let connection) = message { link(connection).backoff = policy.first }
                    dirty = dispatch(message) || dirty
                case .connectionFailed(let connection, let reason):
                    lost(link(connection), reason)
                    dirty = true
                case .refreshDone(let connection):
                    link(connection).refreshInFlight = false
                case .classDone:
                    classInFlight = false
                    nextClassReloadAt = clock.now + Self.classReloadSeconds
                case .attachShell(let session, let name):
                    let outcome = terminal.suspended { session.attach() }
                    logger.info("shell in \(name): \(outcome)")
                    dirty = dispatch(.actionFinished(outcome)) || dirty
                }
            }
            for link in links {
                if let at = link.reconnectAt, now >= at {
                    link.reconnectAt = nil
                    connect(link)
                }
                if !link.refreshInFlight, now >= link.nextRefreshAt, state.links[link.uri] == .connected {
                    refresh(link)
                }
            }
            if classroom != nil, !classInFlight, now >= nextClassReloadAt { loadClass() }
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
        for link in links { link.port.close() }
    }

    /// How long the loop may sleep: until the next refresh or reconnect, capped so status messages and the
    /// reconnect countdown still tick about once a second.
    private func sleepMilliseconds(now: Double) -> Int32 {
        var next = now + 1
        for link in links {
            if !link.refreshInFlight && state.links[link.uri] == .connected { next = min(next, link.nextRefreshAt) }
            if let reconnectAt = link.reconnectAt { next = min(next, reconnectAt) }
        }
        return Int32(max(0, min(1000, (next - now) * 1000)).rounded(.up))
    }

    /// Runs `update` and the effects it asks for; returns true when the screen may have changed.
    private func dispatch(_ message: Message) -> Bool {
        let before = state.status
        let focusBefore = state.focus
        let effects = update(&state, message)
        if state.focus == .containers && focusBefore != .containers { paceEngine(sampleNow: true) }
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
        let logged = effect.logged(uri: state.uri)
        switch effect {
        case .refresh: for link in links { link.nextRefreshAt = 0 }
        case .quit: running = false
        case .cycleTheme: cycleTheme()
        case .openConsole(let key, let name):
            let outcome = terminal.suspended { link(key.connection).port.console(name) }
            logger.info("\(outcome)")
            post(.actionFinished(outcome))
        case .openShell(let name):
            onEngine("shell in \(name)", logged: nil) { containers in
                self.post(Inbound.attachShell(try await containers.shell(name), name: name))
                return nil
            }
        case .performOnContainer(let action, let key, let name):
            onEngine("\(action.verb) \(name)", logged: logged) { containers in
                try await containers.perform(action, key)
                self.post(.engineSnapshot(try await containers.snapshot()))
                return "\(action.verb) \(name): done"
            }
        case .fetchLogs(let name):
            onEngine("logs of \(name)", logged: nil) { containers in
                self.post(.document(title: "Logs of \(name) (last 1000 lines)", try await containers.logs(name)))
                return nil
            }
        case .launch(let imagePath, let name, let memoryMiB, let sshKeyPath):
            onMachines(links[0], logged: logged) { machines in
                .actionFinished(try machines.launch(imagePath: imagePath, name: name, memoryMiB: memoryMiB,
                                                    sshKeyPath: sshKeyPath))
            }
        case .perform(let action, let key, let name):
            onMachines(link(key.connection), logged: logged) { .actionFinished(try $0.perform(action, key, name: name)) }
        case .performMany(let action, let targets, let refused):
            performMany(action, targets, refused: refused)
        case .performOnNetwork(let action, let name):
            onMachines(links[0], logged: logged) { .actionFinished(try $0.perform(action, network: name)) }
        case .createNetwork(let name, let mode, let subnet, let dhcp):
            onMachines(links[0], logged: logged) {
                .actionFinished(try $0.createNetwork(name: name, mode: mode, subnet: subnet, dhcp: dhcp))
            }
        case .fetchDetails(let key):
            // Details are a nicety: a VM that vanished meanwhile simply shows none.
            let (port, lane) = (link(key.connection).port, link(key.connection).lane)
            Task {
                if let details = try? await lane.run({ try port.details(key) }) {
                    post(.details(key, details))
                }
            }
        case .fetchXML(let key, let name):
            onMachines(link(key.connection), logged: nil) { .document(title: "XML of \(name)", try $0.xml(name)) }
        case .listSnapshots(let targets):
            listSnapshots(targets)
        case .startLab(let id): startLab(id)
        case .checkLab(let id, let step): checkLab(id, step)
        case .regrade(let students): regrade(students)
        case .fetchClassReport(let student, let lab): fetchClassReport(student, lab)
        }
    }

    /// The Log pane's row and the log file's line for an action that was done or failed.
    private func record(_ logged: (connection: String, what: String, command: String)?, _ outcome: ActionRecord.Outcome) {
        guard let logged else { return }
        let record = ActionRecord(time: Date(), connection: logged.connection, what: logged.what, command: logged.command,
                                  outcome: outcome)
        if outcome.succeeded { logger.info("\(record.logLine)") } else { logger.error("\(record.logLine)") }
        post(.logged(record))
    }

    /// Runs `body` with the link's port on its lane and posts what it returns; a failure becomes one line in
    /// the status bar. An action is logged either way.
    private func onMachines(_ link: Link, logged: (connection: String, what: String, command: String)?,
                            _ body: @escaping @Sendable (MachinePort) throws -> Message) {
        let (port, lane) = (link.port, link.lane)
        Task {
            do {
                let message = try await lane.run { try body(port) }
                if case .actionFinished(let line) = message {
                    if logged == nil { logger.info("\(line)") }
                    record(logged, .done(line))
                }
                post(message)
            } catch {
                let line = userLine(error)
                if logged == nil { logger.error("\(line)") }
                record(logged, .failed(line))
                post(.actionFailed(line))
            }
        }
    }

    /// Runs `body` with the engine; a failure becomes one line in the status bar. What `body` returns is the
    /// action's outcome, logged with its command.
    private func onEngine(_ what: String, logged: (connection: String, what: String, command: String)?,
                          _ body: @escaping @Sendable (ContainerPort) async throws -> String?) {
        let containers = containers
        Task {
            do {
                if let line = try await body(containers) {
                    record(logged, .done(line))
                    post(.actionFinished(line))
                }
            } catch {
                let line = "\(what): \(userLine(error))"
                if logged == nil { logger.error("\(line)") }
                record(logged, .failed(line))
                post(.actionFailed(line))
            }
        }
    }

    /// One action on several VMs, one after the other on each VM's lane: each is logged on its own (a VM that
    /// vanished meanwhile fails alone), and the status line sums them up.
    private func performMany(_ action: MachineAction, _ targets: [MachineRef], refused: [MachineRefusal]) {
        for refusal in refused {
            record(Effect.perform(action, refusal.machine.key, name: refusal.machine.name).logged(uri: state.uri),
                   .failed(refusal.reason))
        }
        let jobs = targets.map { target in
            (target, link(target.key.connection), Effect.perform(action, target.key, name: target.name).logged(uri: state.uri))
        }
        Task {
            var failed: [String] = []
            for (target, link, logged) in jobs {
                let (port, lane) = (link.port, link.lane)
                do {
                    let line = try await lane.run { try port.perform(action, target.key, name: target.name) }
                    record(logged, .done(line))
                } catch {
                    failed.append(target.name)
                    record(logged, .failed(userLine(error)))
                }
            }
            let summary = "\(action.verb): \(jobs.count - failed.count) of \(jobs.count + refused.count) VMs done"
            if failed.isEmpty && refused.isEmpty {
                post(.actionFinished(summary))
            } else {
                let problems = (failed.isEmpty ? [] : ["failed: " + failed.joined(separator: ", ")])
                    + (refused.isEmpty ? [] : ["left out: \(refused.count)"])
                post(.actionFailed(summary + "; " + problems.joined(separator: "; ") + " (the Log, \(Pane.log.number), says why)"))
            }
        }
    }

    /// One VM's snapshot tree, or the names that every one of several VMs has a snapshot of.
    private func listSnapshots(_ targets: [MachineRef]) {
        let jobs = targets.map { ($0, link($0.key.connection)) }
        Task {
            do {
                var common: [SnapshotNode]?
                for (target, link) in jobs {
                    let (port, lane) = (link.port, link.lane)
                    let nodes = try await lane.run { try port.snapshots(target.key) }
                    guard let sofar = common else {
                        common = nodes
                        continue
                    }
                    let names = Set(nodes.map(\.name))
                    common = sofar.filter { names.contains($0.name) }
                }
                let listed = jobs.count == 1 ? common ?? [] : (common ?? []).map {
                    SnapshotNode(name: $0.name, parent: nil, isCurrent: false, isExternal: $0.isExternal, state: $0.state,
                                 created: nil, description: nil)
                }
                post(.snapshotsListed(targets, listed))
            } catch {
                post(.actionFailed(userLine(error)))
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

    // MARK: - Class

    private func loadClass() {
        guard let classroom else { return }
        classInFlight = true
        Task {
            defer { post(Inbound.classDone) }
            do { post(.classLoaded(try await classroom.board())) } catch { post(.classFailed(userLine(error))) }
        }
    }

    private func regrade(_ students: [String]?) {
        guard let classroom else { return post(.classFailed("no class open: start with 'virtlab ui --class DIR'")) }
        Task {
            do {
                let board = try await classroom.regrade(students: students)
                let who = students.map { $0.joined(separator: ", ") } ?? "the class"
                logger.info("graded \(who)")
                post(.classGraded(board, students: students))
                post(.actionFinished("graded \(who)"))
            } catch {
                post(.classFailed(userLine(error)))
            }
        }
    }

    private func fetchClassReport(_ student: String, _ lab: String) {
        guard let classroom else { return }
        Task {
            do {
                post(.document(title: "\(student) · \(lab)", try await classroom.report(student: student, lab: lab)))
            } catch {
                post(.actionFailed(userLine(error)))
            }
        }
    }

    // MARK: - Refresh and connection

    private func refresh(_ link: Link) {
        link.refreshInFlight = true
        paceEngine()
        link.nextRefreshAt = clock.now + state.refreshInterval
        let (port, lane, uri) = (link.port, link.lane, link.uri)
        let wanted = state.machinesToMeasure(rows: terminal.size.height)
        // The selected VM's per-device numbers come with the refresh that read them (no call of their own).
        let selected = state.focus == .machines ? state.selectedMachineSample.flatMap {
            $0.key.connection == uri && $0.state.isActive ? $0.key : nil
        } : nil
        Task {
            defer { post(Inbound.refreshDone(connection: uri)) }
            do {
                let (snapshot, devices) = try await lane.run {
                    let snapshot = try port.snapshot(completing: wanted)
                    return (snapshot, selected.flatMap { port.devices($0) })
                }
                if let selected, let devices { post(.devices(selected, devices)) }
                if !firstSnapshotLogged.exchange(true, ordering: .relaxed) {
                    logger.info("first snapshot: \(snapshot.machines.count) machines")
                }
                post(.snapshot(snapshot))
            } catch {
                if await lane.run({ port.isAlive }) {
                    post(.refreshFailed(userLine(error)))
                } else {
                    post(Inbound.connectionFailed(connection: uri, userLine(error)))
                }
            }
        }
    }

    private func connect(_ link: Link) {
        let (port, lane, uri) = (link.port, link.lane, link.uri)
        Task {
            do {
                try await lane.run {
                    try port.connect { [weak self] event in self?.post(.machineEvent(event)) }
                }
                logger.info("connected to \(uri)")
                post(.reconnected(connection: uri))
            } catch {
                post(Inbound.connectionFailed(connection: uri, userLine(error)))
            }
        }
    }

    /// A lost or failed connection: say so, keep the last numbers on screen, and retry with back-off.
    private func lost(_ link: Link, _ reason: String) {
        let retryIn = link.backoff
        link.backoff = min(link.backoff * 2, policy.limit)
        let at = clock.now + retryIn
        link.reconnectAt = at
        logger.warning("connection to \(link.uri) lost: \(reason); retry in \(retryIn) s")
        _ = update(&state, .connectionLost(reason, connection: link.uri, retryAt: at))
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
                        try await waitForEngineTurn()
                    }
                } catch is CancellationError {
                    return
                } catch {
                    let line = userLine(error)
                    logger.warning("container engine: \(line); retry in \(backoff) s")
                    post(.engineUnavailable(line))
                    try? await clock.sleep(until: clock.now + backoff)
                    backoff = min(backoff * 2, policy.limit)
                }
            }
        }
    }

    /// The engine's interval for the pane in view and the refresh interval now; a shorter one, or `sampleNow`,
    /// starts the next sample at once.
    private func paceEngine(sampleNow: Bool = false) {
        let interval = Self.engineInterval(focus: state.focus, refresh: state.refreshInterval, background: backgroundEngineSeconds)
        let shorter = engineInterval.withLock { current in
            defer { current = interval }
            return interval < current
        }
        if shorter || sampleNow { engineTurn.wake() }
    }

    private static func engineInterval(focus: Pane, refresh: Double, background: Double) -> Double {
        focus == .containers ? refresh : max(refresh, background)
    }

    /// Until the engine's interval has passed, or the Containers pane asks for a sample; asleep in between (a
    /// connected engine costs no wake-ups of its own).
    private func waitForEngineTurn() async throws {
        await engineTurn.wait(until: clock.now + engineInterval.withLock { $0 }, on: clock)
        try Task.checkCancellation()
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
