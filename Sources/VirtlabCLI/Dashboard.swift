import App
import ContainerKit
import Dispatch
import Foundation
import ImageKit
import Inventory
import Providers
import LabFormat
import LabGrader
import Provisioning
import Synchronization
import TermCurses
import TermUI
import VirtKit

/// Runs the full-screen dashboard: the Elm loop of App (update, view) with the effects done for real.
/// Every libvirt call runs on one worker queue, so a slow or lost host never freezes the keys.
final class DashboardRuntime: @unchecked Sendable {
    private var state: AppState
    private var theme: Theme
    private let themes: ThemeCatalog
    private let glyphs: Glyphs
    private let terminal: CursesTerminal
    private let worker = DispatchQueue(label: "virtlab.libvirt")
    /// What the worker and the event stream hand to the main loop.
    private enum Inbound: Sendable {
        case message(Message)
        /// The connection is gone (or never came): the loop schedules a reconnect with back-off.
        case connectionFailed(String)
        case refreshDone
    }
    private let inbox = Mutex<[Inbound]>([])
    /// The container engine has its own task, so a slow engine never holds up libvirt, nor libvirt the engine.
    private var engineTask: Task<Void, Never>?
    private let engineInventory = Mutex<EngineProvider?>(nil)
    private let engineInterval = Mutex<Double>(2)
    private let library: ImageLibrary
    /// The connection's URI, fixed for the run: the worker reads this, never `state`, which the main loop owns.
    private let uri: String
    private let waker = Waker()
    private let log: FileLog

    // Owned by the worker queue.
    private var connection: Connection?
    private var inventory: LibvirtProvider?
    private var eventTask: Task<Void, Never>?
    private var firstSnapshotPending = true

    // Owned by the main loop.
    private var refreshInFlight = false
    private var nextRefreshAt = 0.0
    private var reconnectAt: Double?
    private var backoff = 1.0
    private var running = true

    init(state: AppState, theme: Theme, themes: ThemeCatalog, glyphs: Glyphs, terminal: CursesTerminal, log: FileLog,
         library: ImageLibrary) {
        self.state = state
        self.uri = state.uri
        self.library = library
        self.theme = theme
        self.themes = themes
        self.glyphs = glyphs
        self.terminal = terminal
        self.log = log
    }

    static func monotonicNow() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    func post(_ message: Message) { post(Inbound.message(message)) }

    private func post(_ inbound: Inbound) {
        inbox.withLock { $0.append(inbound) }
        waker.poke()
    }

    func run() {
        let restoreStandardError = log.captureStandardError()
        defer {
            terminal.shutdown()
            restoreStandardError()
        }
        connect()
        startEngine()
        loadLabs()
        var dirty = true
        while running {
            if TerminalGuard.pendingSignal != 0 {
                log.write("signal \(TerminalGuard.pendingSignal): quitting")
                break
            }
            let now = Self.monotonicNow()
            dirty = dispatch(.tick(now: now)) || dirty
            for inbound in inbox.withLock({ pending in defer { pending.removeAll() }; return pending }) {
                switch inbound {
                case .message(let message):
                    if case .reconnected = message { backoff = 1 }
                    dirty = dispatch(message) || dirty
                case .connectionFailed(let reason):
                    lost(reason)
                    dirty = true
                case .refreshDone:
                    refreshInFlight = false
                }
            }
            if let at = reconnectAt, now >= at {
                reconnectAt = nil
                connect()
            }
            if !refreshInFlight, reconnectAt == nil, now >= nextRefreshAt, state.connection != .connecting {
                refresh()
            }
            if dirty {
                terminal.draw(view(state, size: terminal.size, theme: theme, glyphs: glyphs))
                dirty = false
            }
            switch terminal.read(timeoutMilliseconds: sleepMilliseconds(now: now), waker: waker) {
            case .key(let key)?: dirty = dispatch(.key(key)) || dirty
            case .resize?: dirty = true
            case nil: break
            }
        }
        worker.sync { eventTask?.cancel() }
        engineTask?.cancel()
    }

    /// How long the loop may sleep: until the next refresh or reconnect, capped so status messages and the
    /// reconnect countdown still tick about once a second.
    private func sleepMilliseconds(now: Double) -> Int32 {
        var next = now + 1
        if !refreshInFlight && state.connection != .connecting { next = min(next, nextRefreshAt) }
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
        switch effect {
        case .refresh: nextRefreshAt = 0
        case .quit: running = false
        case .cycleTheme: cycleTheme()
        case .openConsole(let name): openConsole(name)
        case .openShell(let name): openShell(name)
        case .performOnContainer(let action, let key, let name): perform(action, key, name)
        case .fetchLogs(let name): fetchLogs(name)
        case .launch(let imagePath, let name, let memoryMiB, let sshKeyPath):
            onWorker { try self.launch(imagePath, name, memoryMiB, sshKeyPath) }
        case .perform(let action, let key, let name): onWorker { try self.perform(action, key, name) }
        case .fetchDetails(let key):
            // Details are a nicety: a VM that vanished meanwhile simply shows none.
            worker.async { [self] in
                guard let details = try? connection?.domain(uuid: key.uuid).details() else { return }
                post(.details(key, MachineDetails(details)))
            }
        case .fetchXML(let name):
            onWorker {
                self.post(.document(title: "XML of \(name)", try self.requireConnection().domain(named: name).xml()))
            }
        case .listSnapshots(let key, let name):
            onWorker {
                let names = try self.requireConnection().domain(uuid: key.uuid).snapshots().map(\.name)
                self.post(.snapshotsListed(key, name: name, names))
            }
        case .startLab(let id): startLab(id)
        case .checkLab(let id, let step): checkLab(id, step)
        }
    }

    // MARK: - Labs

    private var student: String { ProcessInfo.processInfo.environment["USER"] ?? "student" }

    /// Labs the usual places hold (no --labs paths here: the app runs trusted labs only), with progress.
    private func loadLabs() {
        let (labs, problems) = LabCatalog().load()
        let store = ProgressStore()
        let progress = Dictionary(labs.compactMap { lab in store.load(lab: lab.id, student: student).map { (lab.id, $0) } },
                                  uniquingKeysWith: { a, _ in a })
        let parameters = Dictionary(labs.map { ($0.id, Parameters(lab: $0, student: student)) },
                                    uniquingKeysWith: { a, _ in a })
        _ = dispatch(.labsLoaded(labs, parameters: parameters, progress: progress, problems: problems.map(\.description)))
    }

    /// Grading runs for minutes at times (a guest booting): on a task of its own, never the libvirt worker.
    private func startLab(_ id: String) {
        guard let lab = state.labs.first(where: { $0.id == id }) else { return }
        let (uri, student, fresh) = (uri, student, state.labProgress[id] == nil)
        Task.detached { [self] in
            let unmet = Requirements.unmet(lab, libvirtURI: uri)
            // Setup runs once, when the lab is first opened (the saved progress says it was).
            if unmet.isEmpty && fresh {
                for (step, outcome) in Grader(lab: lab, student: student, libvirtURI: uri).setUp()
                    where outcome.status != 0 || outcome.timedOut {
                    post(.labFailed("setup of step \(step) failed: " + outcome.stderr.split(separator: "\n").prefix(1).joined()))
                }
            }
            post(.labStarted(id: id, unmet: unmet))
        }
    }

    private func checkLab(_ id: String, _ step: String?) {
        guard let lab = state.labs.first(where: { $0.id == id }) else { return }
        let (uri, student) = (uri, student)
        Task.detached { [self] in
            let report = await Grader(lab: lab, student: student, libvirtURI: uri).grade(steps: step.map { [$0] })
            do {
                let saved = try ProgressStore().save(report, order: lab.steps.map(\.id))
                post(.labChecked(saved, checkedStep: step))
            } catch {
                post(.labChecked(report, checkedStep: step))
                post(.labFailed("progress not saved: \((error as NSError).localizedDescription)"))
            }
        }
    }

    /// Runs `body` on the worker; a failure becomes one line in the status bar (and the log).
    private func onWorker(_ body: @escaping @Sendable () throws -> Void) {
        worker.async { [self] in
            do { try body() } catch {
                let line = UserMessage.line(for: error)
                log.write("error: \(line)")
                post(.actionFailed(line))
            }
        }
    }

    private func requireConnection() throws -> Connection {
        guard let connection else { throw UserFacingError("not connected to \(uri)") }
        return connection
    }

    private func perform(_ action: MachineAction, _ key: MachineKey, _ name: String) throws {
        let domain: Domain
        do {
            domain = try requireConnection().domain(uuid: key.uuid)
        } catch let error as LibvirtError where error.kind == .noSuchDomain {
            throw UserFacingError("\(name) no longer exists on \(uri)")
        }
        switch action {
        case .start: try domain.start()
        case .shutdown: try domain.shutdown()
        case .reboot: try domain.reboot()
        case .forceOff: try domain.forceOff()
        case .pause: try domain.suspend()
        case .resume: try domain.resume()
        case .createSnapshot(let snapshot): try domain.createSnapshot(name: snapshot)
        case .revertSnapshot(let snapshot): try domain.revert(toSnapshot: snapshot)
        case .clone(let newName, let sanitize):
            let connection = try requireConnection()
            let cloned = try Cloner(connection: connection).clone(
                name, as: newName, sanitize: sanitize,
                storageDirectory: CloudLauncher.defaultStorageDirectory(uri: connection.uri))
            inventory?.invalidateImages()
            post(.actionFinished("cloned \(name) as \(cloned.name)\(sanitize ? " with a new identity" : "")"))
            return
        case .delete(let removeStorage):
            let result = try domain.undefine(removeStorage: removeStorage)
            if !result.keptOutsidePools.isEmpty {
                post(.actionFinished("deleted \(name); kept \(result.keptOutsidePools.joined(separator: ", ")) "
                                     + "(not in a storage pool)"))
                return
            }
        }
        log.write("\(action.verb) \(name): done")
        post(.actionFinished("\(action.verb) \(name): done"))
    }

    /// The launch wizard's work, the same as `virtlab vm create` with its defaults.
    private func launch(_ imagePath: String, _ name: String, _ memoryMiB: Int, _ sshKeyPath: String?) throws {
        guard let image = DiskImage.inspect(path: imagePath) else { throw UserFacingError("cannot read \(imagePath)") }
        var spec = LaunchSpec(name: name, image: image, accelerator: .best(),
                              storageDirectory: CloudLauncher.defaultStorageDirectory(uri: uri))
        spec.memoryMiB = memoryMiB
        if let sshKeyPath { spec.sshKey = try CreateCommand.publicKey(sshKeyPath) }
        let launched = try CloudLauncher(connection: requireConnection()).launch(spec)
        inventory?.invalidateImages()
        log.write("launched \(name) from \(imagePath)")
        post(.actionFinished("created and started \(launched.name) (\(launched.accelerator == .kvm ? "KVM" : "TCG")); "
                             + "press 1 to see it, c for its console"))
    }

    // MARK: - Refresh and connection

    private func refresh() {
        refreshInFlight = true
        engineInterval.withLock { $0 = state.refreshInterval }
        nextRefreshAt = Self.monotonicNow() + state.refreshInterval
        worker.async { [self] in
            defer { post(Inbound.refreshDone) }
            guard let inventory else { return }
            do {
                let snapshot = try inventory.snapshot()
                if firstSnapshotPending {
                    firstSnapshotPending = false
                    log.write("first snapshot: \(snapshot.machines.count) machines")
                }
                post(.snapshot(snapshot))
            } catch {
                if inventory.connection.isAlive {
                    post(.refreshFailed(UserMessage.line(for: error)))
                } else {
                    connection = nil
                    self.inventory = nil
                    post(Inbound.connectionFailed(Self.shortReason(error)))
                }
            }
        }
    }

    private func connect() {
        let readOnly = state.readOnly
        worker.async { [self] in
            eventTask?.cancel()
            connection = nil
            inventory = nil
            do {
                let conn = try Connection(uri: uri, readOnly: readOnly)
                let events = try conn.lifecycleEvents()
                inventory = try LibvirtProvider(connection: conn, library: library)
                connection = conn
                eventTask = Task { [weak self] in
                    for await event in events { self?.post(.machineEvent(MachineEvent(event, uri: conn.uri))) }
                }
                log.write("connected to \(uri)")
                post(.reconnected)
            } catch {
                post(Inbound.connectionFailed(Self.shortReason(error)))
            }
        }
    }

    /// A lost or failed connection: say so, keep the last numbers on screen, and retry with back-off.
    private func lost(_ reason: String) {
        let retryIn = backoff
        backoff = min(backoff * 2, 30)
        let at = Self.monotonicNow() + retryIn
        reconnectAt = at
        log.write("connection lost: \(reason); retry in \(retryIn) s")
        _ = update(&state, .connectionLost(reason, retryAt: at))
    }

    static func shortReason(_ error: Error) -> String {
        if let error = error as? LibvirtError { return UserMessage.oneLine(error.message) }
        return UserMessage.line(for: error)
    }

    // MARK: - Containers

    /// Connects to the engine and samples it every refresh interval; when there is none (or it goes away) the
    /// Containers pane says why, and connecting is retried with back-off.
    private func startEngine() {
        engineTask = Task.detached { [weak self] in
            var backoff = 1.0
            while !Task.isCancelled, let self {
                do {
                    let (client, version) = try await EngineClient.connect()
                    let inventory = EngineProvider(client: client, engine: version)
                    engineInventory.withLock { $0 = inventory }
                    log.write("container engine: \(version.product) \(version.version) at \(client.endpoint.uri)")
                    backoff = 1
                    while !Task.isCancelled {
                        post(.engineSnapshot(try await inventory.snapshot()))
                        try await Task.sleep(nanoseconds: UInt64(engineInterval.withLock { $0 } * 1e9))
                    }
                } catch is CancellationError {
                    return
                } catch {
                    engineInventory.withLock { $0 = nil }
                    let line = UserMessage.line(for: error)
                    log.write("container engine: \(line); retry in \(backoff) s")
                    post(.engineUnavailable(line))
                    try? await Task.sleep(nanoseconds: UInt64(backoff * 1e9))
                    backoff = min(backoff * 2, 30)
                }
            }
        }
    }

    /// Runs `body` with the engine; a failure becomes one line in the status bar (and the log).
    private func onEngine(_ what: String, _ body: @escaping @Sendable (EngineProvider) async throws -> Void) {
        Task.detached { [self] in
            guard let inventory = engineInventory.withLock({ $0 }) else {
                return post(.actionFailed("\(what): no container engine"))
            }
            do {
                try await body(inventory)
            } catch {
                let line = "\(what): \(UserMessage.line(for: error))"
                log.write("error: \(line)")
                post(.actionFailed(line))
            }
        }
    }

    private func perform(_ action: ContainerAction, _ key: MachineKey, _ name: String) {
        onEngine("\(action.verb) \(name)") { [self] inventory in
            let client = inventory.client, id = key.uuid
            switch action {
            case .start: try await client.start(id)
            case .stop: try await client.stop(id)
            case .restart: try await client.restart(id)
            case .pause: try await client.pause(id)
            case .unpause: try await client.unpause(id)
            case .remove: try await client.remove(id, force: true)
            }
            log.write("\(action.verb) container \(name): done")
            post(.actionFinished("\(action.verb) \(name): done"))
            post(.engineSnapshot(try await inventory.snapshot()))
        }
    }

    private func fetchLogs(_ name: String) {
        onEngine("logs of \(name)") { [self] inventory in
            let frames = try await inventory.client.logs(name, tail: 1000)
            var text = String(decoding: frames.stdout, as: UTF8.self)
            if !frames.stderr.isEmpty { text += "\n── stderr ──\n" + String(decoding: frames.stderr, as: UTF8.self) }
            if text.isEmpty { text = "(no output yet)" }
            post(.document(title: "Logs of \(name) (last 1000 lines)", text))
        }
    }

    private func openShell(_ name: String) {
        guard let client = engineInventory.withLock({ $0?.client }) else {
            return post(.actionFailed("shell in \(name): no container engine"))
        }
        let outcome: String = terminal.suspended {
            let banner = "\r\nvirtlab: shell in container \(name). Type exit or press Ctrl-] to return to virtlab.\r\n\r\n"
            FileHandle.standardOutput.write(Data(banner.utf8))
            // bash where the image has it, else the POSIX shell every image with a shell has.
            let argv = ["/bin/sh", "-c", "if command -v bash >/dev/null; then exec bash; else exec sh; fi"]
            let created: Result<String, Error> = runBlocking {
                do { return .success(try await client.createExec(name, argv, terminal: true)) } catch { return .failure(error) }
            }
            do {
                let execID = try created.get()
                let session = try ExecTerminal.attach(endpoint: client.endpoint, execID: execID)
                if let size = terminalSize(of: STDOUT_FILENO) {
                    _ = runBlocking { try? await client.resizeExec(execID, rows: size.rows, columns: size.columns) }
                }
                switch RawMode.run({ session.relay(input: STDIN_FILENO, output: STDOUT_FILENO) }) {
                case .userLeft: return "left the shell in \(name) (it goes on running)"
                case .ended: return "the shell in \(name) ended"
                case .inputClosed: return "terminal input closed"
                }
            } catch {
                return "shell in \(name): " + UserMessage.line(for: error)
            }
        }
        log.write(outcome)
        post(.actionFinished(outcome))
    }

    // MARK: - Console and themes

    private func openConsole(_ name: String) {
        let outcome: String = terminal.suspended {
            let banner = "\r\nvirtlab: console of \(name). Press Ctrl-] to return to virtlab.\r\n\r\n"
            FileHandle.standardOutput.write(Data(banner.utf8))
            do {
                let domain = try worker.sync { try requireConnection().domain(named: name) }
                let end = try RawMode.run { try domain.attachConsole(input: STDIN_FILENO, output: STDOUT_FILENO) }
                switch end {
                case .userLeft: return "left the console of \(name)"
                case .consoleClosed: return "the console of \(name) closed"
                case .inputClosed: return "terminal input closed"
                }
            } catch {
                return "console: " + UserMessage.line(for: error)
            }
        }
        log.write(outcome)
        post(.actionFinished(outcome))
    }

    private func cycleTheme() {
        let names = themes.names
        guard !names.isEmpty else { return post(.themeFailed("no theme files found")) }
        let next = names[((names.firstIndex(of: theme.name) ?? -1) + 1) % names.count]
        do {
            theme = try themes.load(next, colors: terminal.colorCount)
            post(.themeChanged(name: theme.name))
        } catch {
            post(.themeFailed("\(error)"))
        }
    }
}
