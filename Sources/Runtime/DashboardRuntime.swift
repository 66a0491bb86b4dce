import App
import BlockingWork
import Foundation
import Inventory
import LabFormat
import Logging
import Synchronization
import TermUI

/// Runs the full-screen dashboard: App's loop (update, view) with its effects done through the ports. It
/// decides nothing — what is due when comes from `update` (`AppState.schedule`) — and never blocks on a
/// port: hypervisor calls go to each connection's lane (a thread of its own), the engine, labs and class to
/// detached tasks, and each answer comes back as a message through the inbox.
///
/// An actor on a lane of its own (`virtlab.ui`): the loop's state, the terminal and the theme are touched only
/// there, which the compiler checks. The loop holds that thread while it runs (it sleeps in the terminal's
/// read), so work it starts is never an actor task: answers come back only through `post`.
public actor DashboardRuntime {
    /// What the lanes and tasks hand to the loop.
    enum Inbound: Sendable {
        case message(Message)
        /// A shell in a container, to be given the terminal.
        case attachShell(any ShellSession, name: String)
    }

    /// One connection: its port and a lane of its own (a slow or lost host holds up only itself).
    struct Link: Sendable {
        let uri: String
        let port: MachinePort
        let lane: Lane
    }

    private let loop = Lane(name: "virtlab.ui")
    public nonisolated var unownedExecutor: UnownedSerialExecutor { loop.asUnownedSerialExecutor() }

    var state: AppState
    private var theme: Theme
    private let glyphs: Glyphs
    let terminal: TerminalPort
    /// Ends the terminal's read early, from any thread.
    private let wakeTerminal: @Sendable () -> Void
    private var running = true

    let links: [Link]
    let containers: ContainerPort
    let labs: LabPort
    let classroom: ClassPort?
    let logger: Logger
    let clock: RuntimeClock
    private let inbox = Mutex<[Inbound]>([])
    /// The engine's interval as `update` last paced it, and the wake for a sample that should not wait.
    let engineInterval: Mutex<Double>
    let engineTurn = Wakeup()
    var engineTask: Task<Void, Never>?
    /// The migration under way (`.cancelMigration` cancels it), nil when none runs.
    let migrationTask = Mutex<Task<Void, Never>?>(nil)
    let firstSnapshotLogged = Atomic<Bool>(false)
    /// Said before anything else (a theme that was refused): through `update`, whose effects are performed.
    private let startup: [Message]

    /// - machines: the first connection's (`state.uri`); hosts: the others', by URI (`state.connections`).
    public init(state: AppState, theme: Theme, glyphs: Glyphs, terminal: TerminalPort, machines: MachinePort,
                hosts: [String: MachinePort] = [:], containers: ContainerPort, labs: LabPort, classroom: ClassPort? = nil,
                startup: [Message] = [], clock: RuntimeClock = SystemClock(),
                logger: Logger = Logger(label: "virtlab.dashboard") { _ in SwiftLogNoOpLogHandler() }) {
        var state = state
        state.schedule.classOpen = classroom != nil
        state.schedule.engineInterval = state.engineInterval
        self.state = state
        (self.theme, self.glyphs, self.terminal, wakeTerminal) = (theme, glyphs, terminal, terminal.wakeUp)
        links = state.connections.enumerated().compactMap { index, uri in
            // Thread names are cut at 15 characters on Linux.
            (uri == state.uri ? machines : hosts[uri]).map {
                Link(uri: uri, port: $0, lane: Lane(name: index == 0 ? "virtlab.libvirt" : "virtlab.host\(index)"))
            }
        }
        (self.containers, self.labs, self.classroom, self.clock, self.logger) = (containers, labs, classroom, clock, logger)
        engineInterval = Mutex(state.engineInterval)
        self.startup = startup
    }

    /// The link a machine lives on (the first connection's for anything else).
    nonisolated func link(_ connection: String) -> Link { links.first { $0.uri == connection } ?? links[0] }

    nonisolated func post(_ message: Message) { post(Inbound.message(message)) }

    nonisolated func post(_ inbound: Inbound) {
        inbox.withLock { $0.append(inbound) }
        wakeTerminal()
    }

    /// Runs until the user quits or a signal arrives; gives the terminal back either way.
    public func run() {
        defer {
            engineTask?.cancel()
            for link in links { link.lane.stop() }
            terminal.shutdown()
            loop.stop()
        }
        startEngine()
        for message in startup { dispatch(message) }
        let shelf = labs.load()
        dispatch(.labsLoaded(shelf))
        var dirty = true
        while running {
            if terminal.interrupted {
                logger.info("signal: quitting")
                break
            }
            let now = clock.now
            let status = state.status
            dispatch(.tick(now: now))
            dirty = dirty || state.status != status || isCountingDown
            for inbound in inbox.withLock({ pending in defer { pending.removeAll() }; return pending }) {
                switch inbound {
                case .message(let message):
                    dispatch(message)
                case .attachShell(let session, let name):
                    let outcome = terminal.suspended { session.attach() }
                    logger.info("shell in \(name): \(outcome)")
                    dispatch(.actionFinished(outcome))
                }
                dirty = true
            }
            if dirty {
                terminal.draw(view(state, size: terminal.size, theme: theme, glyphs: glyphs))
                dirty = false
            }
            switch terminal.read(timeoutMilliseconds: sleepMilliseconds()) {
            case .key(let key)?:
                dispatch(.key(key))
                dirty = true
            case .resize?: dirty = true
            case nil: break
            }
        }
        for link in links { link.port.close() }
    }

    /// Until the next thing the schedule has due (at most a second: messages and countdowns tick).
    private func sleepMilliseconds() -> Int32 {
        let now = clock.now
        let wake = state.schedule.nextWake(after: now) { self.state.links[$0] == .connected }
        return Int32(max(0, min(1000, (wake - now) * 1000)).rounded(.up))
    }

    private var isCountingDown: Bool { state.links.values.contains { if case .lost = $0 { true } else { false } } }

    /// Runs `update` and performs the effects it asks for.
    private func dispatch(_ message: Message) {
        for effect in update(&state, message) { perform(effect) }
    }

    private func perform(_ effect: Effect) {
        let logged = effect.logged(uri: state.uri)
        switch effect {
        case .connect(let connection): connect(link(connection))
        case .refreshMachines(let connection): refresh(link(connection))
        case .loadClass: loadClass()
        case .paceEngine(let interval, let sampleNow): paceEngine(interval, sampleNow: sampleNow)
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
        case .fetchHostDevices(let connection):
            onMachines(link(connection), logged: nil) { .hostDevices(connection: connection, try $0.hostDevices()) }
        case .bindHostDevice(let connection, let device, let release):
            onMachines(link(connection), logged: logged) { machines in
                let said = try machines.bindHostDevice(device.address, release: release)
                self.post(.hostDevices(connection: connection, try machines.hostDevices()))
                return .actionFinished(said)
            }
        case .install(let request):
            onMachines(links[0], logged: logged) { .actionFinished(try $0.install(request)) }
        case .migrate(let targets, let destination): migrate(targets, to: destination)
        case .cancelMigration: migrationTask.withLock { $0?.cancel() }
        case .recover(let home, let standbys):
            for standby in standbys {
                let logged = (connection: standby, what: "recover the VMs protected away from \(home)",
                              command: "virtlab failover watch --uri \(standby) --after 0 --once")
                onMachines(link(standby), logged: logged) { .actionFinished(try $0.recover(lostHome: home)) }
            }
        case .perform(let action, let key, let name):
            onMachines(link(key.connection), logged: logged) { .actionFinished(try $0.perform(action, key, name: name)) }
        case .performMany(let action, let targets, let refused): performMany(action, targets, refused: refused)
        case .performOnNetwork(let action, let name):
            onMachines(links[0], logged: logged) { .actionFinished(try $0.perform(action, network: name)) }
        case .createNetwork(let name, let mode, let subnet, let dhcp):
            onMachines(links[0], logged: logged) {
                .actionFinished(try $0.createNetwork(name: name, mode: mode, subnet: subnet, dhcp: dhcp))
            }
        case .fetchDetails(let key): fetchDetails(key)
        case .fetchXML(let key, let name):
            onMachines(link(key.connection), logged: nil) { .document(title: "XML of \(name)", try $0.xml(name)) }
        case .fetchScreen(let key, let name): fetchScreen(key, name)
        case .sendKeys(let key, let name, let codes): sendKeys(key, name, codes)
        case .listSnapshots(let targets): listSnapshots(targets)
        case .startLab(let id): startLab(id)
        case .checkLab(let id, let step): checkLab(id, step)
        case .answerLab(let id, let step, let answers): answerLab(id, step, answers)
        case .readLabEnvironment(let id): readLabEnvironment(id)
        case .planLabEnvironment(let id, let change): planLabEnvironment(id, change)
        case .changeLabEnvironment(let id, let change): changeLabEnvironment(id, change)
        case .regrade(let students): regrade(students)
        case .fetchClassReport(let student, let lab): fetchClassReport(student, lab)
        }
    }

    /// The Log pane's row and the log file's line for an action that was done or failed.
    nonisolated func record(_ logged: (connection: String, what: String, command: String)?, _ outcome: ActionRecord.Outcome) {
        guard let logged else { return }
        let record = ActionRecord(time: Date(), connection: logged.connection, what: logged.what, command: logged.command,
                                  outcome: outcome)
        if outcome.succeeded { logger.info("\(record.logLine)") } else { logger.error("\(record.logLine)") }
        post(.logged(record))
    }

    private func cycleTheme() {
        do {
            theme = try terminal.nextTheme(after: theme)
            post(.themeChanged(name: theme.name))
        } catch {
            post(.setupRefused("\(error)"))
        }
    }
}

/// A port's error as one line: its own description (ports throw errors that read as sentences).
func userLine(_ error: Error) -> String {
    String(describing: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
}
