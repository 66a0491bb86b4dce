import App
import Dispatch
import Foundation
import Inventory
import LabFormat
import Runtime
import Synchronization
import TermUI
import TestSupport

/// A gate a fake waits at until the test opens it: a slow libvirtd, a lab setup that takes minutes.
final class Gate: Sendable {
    private let opened = Mutex(false)
    private let waiting = Atomic<Bool>(false)
    private let semaphore = DispatchSemaphore(value: 0)

    /// Blocks the caller (a lane's thread) until `open`; bounded, so a broken test cannot hang the suite.
    func pass() {
        if opened.withLock({ $0 }) { return }
        waiting.store(true, ordering: .sequentiallyConsistent)
        _ = semaphore.wait(timeout: .now() + 60)
        waiting.store(false, ordering: .sequentiallyConsistent)
    }

    var isHolding: Bool { waiting.load(ordering: .sequentiallyConsistent) }
    var isOpen: Bool { opened.withLock { $0 } }

    /// Waits as a task until `open` (bounded): a port's long async work that holds no thread.
    func passWithoutBlocking() async {
        waiting.store(true, ordering: .sequentiallyConsistent)
        let deadline = ContinuousClock.now + .seconds(60)
        while !opened.withLock({ $0 }) && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
        waiting.store(false, ordering: .sequentiallyConsistent)
    }

    func open() {
        opened.withLock { $0 = true }
        semaphore.signal()
    }
}

/// Waits, bounded, for a condition on state the runtime changes from its own threads. It sleeps as a task
/// (never blocking a thread of the cooperative pool, which the runtime's own tasks need).
func eventually(_ what: String, within seconds: Double = 60, _ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}

/// Time that moves only when the test says: the runtime's schedule (refreshes, back-off, the engine's pace) is
/// then a matter of state, never of how fast a loaded machine runs.
final class FakeClock: RuntimeClock {
    private struct Sleeper {
        let id: Int
        let deadline: Double
        let continuation: CheckedContinuation<Void, Error>
    }

    private struct State {
        var now = 1000.0
        var sleepers: [Sleeper] = []
        var lastID = 0
        /// Sleeps cancelled before they began to wait.
        var cancelled: Set<Int> = []
    }

    private let state = Mutex(State())

    var now: Double { state.withLock { $0.now } }
    /// How many sleeps wait for the clock to move.
    var sleeping: Int { state.withLock { $0.sleepers.count } }

    func sleep(until deadline: Double) async throws {
        let id = state.withLock { state -> Int in
            state.lastID += 1
            return state.lastID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let answer = state.withLock { state -> Result<Void, Error>? in
                    if state.cancelled.remove(id) != nil { return .failure(CancellationError()) }
                    if deadline <= state.now { return .success(()) }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return nil
                }
                if let answer { continuation.resume(with: answer) }
            }
        } onCancel: {
            state.withLock { state -> Sleeper? in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else {
                    state.cancelled.insert(id)
                    return nil
                }
                return state.sleepers.remove(at: index)
            }?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time on and wakes every sleep that is then due.
    func advance(by seconds: Double) {
        state.withLock { state -> [Sleeper] in
            state.now += seconds
            let now = state.now
            defer { state.sleepers.removeAll { $0.deadline <= now } }
            return state.sleepers.filter { $0.deadline <= now }
        }.forEach { $0.continuation.resume() }
    }
}

/// The terminal: keys the test presses, frames the runtime draws (as text).
final class FakeTerminal: TerminalPort, @unchecked Sendable {
    private let lock = NSLock()
    private var keys: [Key] = []
    private var frames: [String] = []
    private var readsSoFar = 0
    private let woken = DispatchSemaphore(value: 0)
    let size = Size(width: 120, height: 30)
    let interrupted = false

    func press(_ pressed: Key...) {
        lock.withLock { keys += pressed }
        woken.signal()
    }

    func type(_ text: String) { for character in text { press(.character(character)) } }

    func draw(_ buffer: Buffer) { lock.withLock { frames.append(buffer.text) } }

    var screen: String { lock.withLock { frames.last ?? "" } }
    var everShown: [String] { lock.withLock { frames } }

    /// How often the loop came to read a key: once a turn.
    var reads: Int { lock.withLock { readsSoFar } }

    func read(timeoutMilliseconds: Int32) -> TerminalInput? {
        lock.withLock { readsSoFar += 1 }
        if let key = lock.withLock({ keys.isEmpty ? nil : keys.removeFirst() }) { return .key(key) }
        _ = woken.wait(timeout: .now() + .milliseconds(Int(min(timeoutMilliseconds, 100))))
        return lock.withLock { keys.isEmpty ? nil : .key(keys.removeFirst()) }
    }

    func wake() { woken.signal() }
    var wakeUp: @Sendable () -> Void { { [self] in wake() } }
    func suspended<T>(_ body: () -> T) -> T { body() }
    func nextTheme(after current: Theme) throws -> Theme { throw PortError("no theme files found") }
    func shutdown() {}

    /// Waits until the screen shows `text`.
    func shows(_ text: String, within seconds: Double = 60) async -> Bool {
        await eventually("screen shows \(text)", within: seconds) { screen.contains(text) }
    }
}

/// A hypervisor: a fixed set of machines, failures on request, every call's thread recorded.
final class FakeMachines: MachinePort, @unchecked Sendable {
    struct Calls {
        var connects: [Double] = []
        var connected = false
        var snapshots = 0
        var performed: [MachineAction] = []
        /// The VMs acted on, in order.
        var actedOn: [String] = []
        /// Keys the screen dialog sent, as Linux key codes pressed together.
        var keysSent: [[UInt32]] = []
        var screensTaken = 0
        var threads: Set<String> = []
    }

    private let state = Mutex(Calls())
    /// The dashboard's clock, for when each connect came.
    private let clock = Mutex<RuntimeClock>(SystemClock())
    private let failConnects: Int
    /// The second and later snapshots wait here.
    let slowSnapshot: Gate?
    let failPerform: String?
    /// A migration waits here (until opened, or cancelled) after its first figures.
    let slowMigration: Gate?
    static let uri = "test:///fake"
    let uri: String
    /// Put before its machines' names: two hosts' machines told apart.
    let prefix: String

    init(uri: String = FakeMachines.uri, prefix: String = "", failConnects: Int = 0, slowSnapshot: Gate? = nil,
         failPerform: String? = nil, slowMigration: Gate? = nil) {
        (self.uri, self.prefix) = (uri, prefix)
        self.slowMigration = slowMigration
        self.failConnects = failConnects
        self.slowSnapshot = slowSnapshot
        self.failPerform = failPerform
    }

    var calls: Calls { state.withLock { $0 } }

    func use(_ clock: RuntimeClock) { self.clock.withLock { $0 = clock } }

    private func record(_ change: (inout Calls) -> Void = { _ in }) {
        let thread = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8))?
            .trimmingCharacters(in: .newlines) ?? "unnamed"
        state.withLock {
            $0.threads.insert(thread)
            change(&$0)
        }
    }

    func connect(events: @escaping @Sendable (MachineEvent) -> Void) throws {
        var attempt = 0
        record {
            $0.connects.append(clock.withLock { $0 }.now)
            attempt = $0.connects.count
        }
        if attempt <= failConnects { throw PortError("Failed to connect socket: Connection refused") }
        state.withLock { $0.connected = true }
    }

    func snapshot(completing: Set<String>?) throws -> InventorySnapshot {
        var count = 0, connected = false
        record {
            $0.snapshots += 1
            count = $0.snapshots
            connected = $0.connected
        }
        guard connected else { throw PortError("not connected to \(uri)") }
        if count > 1 { slowSnapshot?.pass() }
        return snapshot(at: SystemClock().now, scale: UInt64(count))
    }

    func snapshot(at time: Double, scale: UInt64) -> InventorySnapshot {
        func machine(_ name: String, _ uuid: String, _ state: MachineState) -> MachineSample {
            MachineSample(key: MachineKey(connection: uri, uuid: uuid), name: name, state: state, vcpus: 1,
                          memoryKiB: 524_288, maxMemoryKiB: 524_288, cpuTimeNs: state == .running ? scale * 1_000_000_000 : 0,
                          diskReadBytes: 0, diskWriteBytes: 0, netRxBytes: 0, netTxBytes: 0)
        }
        return InventorySnapshot(
            connection: uri, hypervisor: HypervisorSample(type: "Test", version: "1"), time: time,
            host: HostSample(hostname: "fakehost", cpus: 2, memoryKiB: 8 << 20, availableMemoryKiB: 4 << 20,
                             cpuTimes: HostCPUCounters(busy: 10 * scale, total: 100 * scale)),
            machines: [machine(prefix + "build", "33333333-3333-3333-3333-333333333333", .shutOff),
                       machine(prefix + "web1", "11111111-1111-1111-1111-111111111111", .running)]
                .filter { machine in !gone.withLock { $0.contains(machine.name) } },
            images: [])
    }

    var isAlive: Bool { true }

    func details(_ key: MachineKey) throws -> MachineDetails {
        record()
        return MachineDetails(hypervisorType: "test", osType: "hvm", disks: [], nics: [])
    }

    func xml(_ name: String) throws -> String {
        record()
        return "<domain><name>\(name)</name></domain>"
    }

    /// A screen of two halves, white over blue; a VM named "headless" has none.
    func screen(_ name: String) throws -> Picture {
        record { $0.screensTaken += 1 }
        guard name != "headless" else { throw PortError("\(name) has no display (no <video> device)") }
        let white = [UInt8](repeating: 255, count: 4 * 2 * 3), blue = [UInt8]([0, 0, 255]).repeated(8)
        return Picture(width: 4, height: 4, rgb: white + blue)!
    }

    func sendKeys(_ name: String, _ codes: [UInt32]) throws {
        record { $0.keysSent.append(codes) }
    }

    func snapshots(_ key: MachineKey) throws -> [SnapshotNode] { [] }

    func devices(_ key: MachineKey) -> DeviceCounters? { nil }

    private let gone = Mutex<Set<String>>([])

    /// The machine (by its name without the prefix) is undefined behind the dashboard's back.
    func vanish(_ name: String) { gone.withLock { _ = $0.insert(prefix + name) } }

    func perform(_ action: MachineAction, _ key: MachineKey, name: String) throws -> String {
        record {
            $0.performed.append(action)
            $0.actedOn.append(name)
        }
        if let failPerform { throw PortError(failPerform) }
        if gone.withLock({ $0.contains(name) }) { throw PortError("\(name) no longer exists on \(uri)") }
        return "\(action.verb) \(name): done"
    }

    func recover(lostHome home: String) throws -> String {
        record { $0.actedOn.append("recover from \(home)") }
        return "started \(prefix)db on \(uri): its home \(home) is lost"
    }

    func migrate(_ key: MachineKey, name: String, to destination: String,
                 progress: @escaping @Sendable (String) -> Void) async throws -> String {
        record { $0.actedOn.append("migrate \(name) to \(destination)") }
        progress("50%, 64 MiB of 128 MiB")
        if let slowMigration {
            let deadline = ContinuousClock.now + .seconds(60)
            while !slowMigration.isOpen && !Task.isCancelled && ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
        if Task.isCancelled { throw PortError("migration of \(name) cancelled: it runs on where it was") }
        return "moved \(name) to \(destination)"
    }

    func perform(_ action: NetworkAction, network name: String) throws -> String { "\(action.verb) \(name): done" }
    func createNetwork(name: String, mode: String, subnet: String?, dhcp: String?) throws -> String {
        "defined network \(name)"
    }
    func launch(imagePath: String, name: String, memoryMiB: Int, sshKeyPath: String?) throws -> String { "" }
    func install(_ request: InstallRequest) throws -> String { "created and started \(request.name)" }
    func hostDevices() throws -> [HostDeviceRow] {
        [HostDeviceRow(name: "pci_0000_65_00_0", address: "0000:65:00.0", isPCI: true, kind: "3D controller", device: "NVIDIA H200", isGPU: true,
                       driver: "nvidia", iommuGroup: 12, passthrough: "yes", reason: "IOMMU group 12", splits: [])]
    }
    func bindHostDevice(_ address: String, release: Bool) throws -> String {
        release ? "gave \(address) back to the host's driver" : "bound \(address) to vfio-pci: the host no longer uses it"
    }
    func console(_ name: String) -> String { "left the console of \(name)" }
    func close() {}
}

/// No container engine answers.
struct AbsentEngine: ContainerPort {
    func connect() async throws -> String { throw PortError("no container engine: nothing listens on the fake socket") }
    func snapshot() async throws -> EngineSnapshot { throw PortError("no engine") }
    func perform(_ action: ContainerAction, _ key: MachineKey) async throws {}
    func logs(_ name: String) async throws -> String { "" }
    func shell(_ name: String) async throws -> any ShellSession { throw PortError("no engine") }
}

/// An engine whose first answer takes as long as the test wants: a stuck Podman service.
struct SlowEngine: ContainerPort {
    let gate: Gate
    func connect() async throws -> String {
        await gate.passWithoutBlocking()
        throw PortError("the engine gave up")
    }
    func snapshot() async throws -> EngineSnapshot { throw PortError("no engine") }
    func perform(_ action: ContainerAction, _ key: MachineKey) async throws {}
    func logs(_ name: String) async throws -> String { "" }
    func shell(_ name: String) async throws -> any ShellSession { throw PortError("no engine") }
}

/// An engine with no containers that counts how often it is sampled.
final class CountingEngine: ContainerPort, @unchecked Sendable {
    private let count = Mutex(0)
    var samples: Int { count.withLock { $0 } }
    func connect() async throws -> String { "Counting Engine 1" }
    func snapshot() async throws -> EngineSnapshot {
        count.withLock { $0 += 1 }
        return EngineSnapshot(endpoint: "unix:///fake.sock", engine: EngineSample(product: "Counting Engine", version: "1"),
                              time: SystemClock().now, containers: [], images: [])
    }
    func perform(_ action: ContainerAction, _ key: MachineKey) async throws {}
    func logs(_ name: String) async throws -> String { "" }
    func shell(_ name: String) async throws -> any ShellSession { throw PortError("no engine") }
}

/// One lab with one step; its setup waits at a gate for as long as the test wants.
final class FakeLabs: LabPort, @unchecked Sendable {
    let setup: Gate
    /// Why answers are not kept (a full disk, say); nil: they are.
    let refusal: String?
    private let checks = Atomic<Int>(0)

    init(setup: Gate, refusal: String? = nil) { (self.setup, self.refusal) = (setup, refusal) }

    var checked: Int { checks.load(ordering: .relaxed) }

    static let lab: Lab = {
        let yaml = """
            id: fake
            title: A fake lab
            environment:
              machines: [{name: fake-vm, memory: 64M, disk: 16M}]
            steps:
              - id: one
                title: Step one
                instructions: Do the thing.
                hints: [look closer]
                checks:
                  - id: c
                    title: the thing is done
                    command: {run: [true]}
            """
        let catalog = PrimitiveCatalog([PrimitiveFormat("command", summary: "", followsTarget: true,
                                                        fields: ["run": Schema.Field(.command, required: true, "")])])
        return LabLoader.parse(yaml, file: "fake.yaml", primitives: catalog).lab!
    }()

    func load() -> LabShelf {
        LabShelf(labs: [Self.lab], parameters: [:], progress: [:], questions: [Self.lab.id: [Self.question]], problems: [])
    }

    func start(_ lab: Lab, fresh: Bool) async -> (unmet: [String], failures: [String]) {
        await setup.passWithoutBlocking()
        return ([], [])
    }

    /// The answers kept, in order.
    let answers = Mutex<[LabAnswer]>([])
    /// Its check asks a question, as far as the dashboard can tell.
    static let question = LabQuestion(check: "c", ask: "Is the thing done?", choices: ["yes", "no"], picks: 1, answer: nil)

    func answer(_ lab: Lab, _ given: [LabAnswer]) async throws -> [LabQuestion] {
        if let refusal { throw PortError(refusal) }
        answers.withLock { $0 += given }
        var kept = Self.question
        kept.answer = given.first?.values.compactMap { letter in
            kept.choices.indices.first { LabQuestion.letter($0) == letter }.map { kept.choices[$0] }
        }
        return [kept]
    }

    /// Its environment: one machine, made by `up`, removed by `down`.
    let worldIsUp = Mutex(false)

    func environment(_ lab: Lab) async throws -> [EnvironmentRow] {
        let up = worldIsUp.withLock { $0 }
        return [EnvironmentRow(kind: "machine", name: "fake-vm", state: up ? "as declared" : "missing", asDeclared: up, made: up)]
    }

    func plan(_ change: EnvironmentChange, _ lab: Lab) async throws -> [PlannedChange] {
        let up = worldIsUp.withLock { $0 }
        switch change {
        case .up: return up ? [] : [PlannedChange(what: "make VM fake-vm", command: "virsh define fake-vm.xml")]
        case .reset: return [PlannedChange(what: "revert VM fake-vm to its baseline", command: "virsh snapshot-revert fake-vm virtlab-baseline")]
        case .down: return up ? [PlannedChange(what: "remove VM fake-vm", command: "virsh undefine fake-vm")] : []
        }
    }

    func perform(_ change: EnvironmentChange, _ lab: Lab,
                 each: @escaping @Sendable (String, PlannedChange, ActionRecord.Outcome) -> Void) async throws {
        for step in try await plan(change, lab) { each("test:///default", step, .done(step.what.replacingOccurrences(of: "make", with: "made"))) }
        worldIsUp.withLock { $0 = change != .down }
    }

    func check(_ lab: Lab, step: String?) async -> (report: LabReport, saveError: String?) {
        checks.add(1, ordering: .relaxed)
        let result = CheckResult(step: "one", check: "c", title: "the thing is done", status: .pass, points: 1,
                                 expected: nil, got: nil, command: nil, output: nil, message: nil, attempts: 1)
        return (LabReport(lab: lab.id, title: lab.title, student: "tester", date: Date(),
                          steps: [StepReport(id: "one", title: "Step one", results: [result])], virtlabVersion: nil), nil)
    }
}

/// A class of two students; grading waits at a gate for as long as the test wants (hosts that take their time).
final class FakeClass: ClassPort, @unchecked Sendable {
    let grading: Gate
    private let regrades = Mutex<[[String]?]>([])

    init(grading: Gate) { self.grading = grading }

    var regraded: [[String]?] { regrades.withLock { $0 } }

    func board(points: Int) -> ClassBoard {
        ClassBoard(name: "room 101", students: [.init(id: "alice", name: "Alice", host: "pc01"),
                                                .init(id: "bob", name: "Bob", host: "pc02")],
                   labs: ["lab1"],
                   cells: ["alice": ["lab1": .init(earned: points, possible: 9, from: "live", lastStatus: "graded", lastAt: Date())],
                           "bob": ["lab1": .init(lastStatus: "unreachable", lastAt: Date())]],
                   readAt: Date())
    }

    func board() async throws -> ClassBoard { board(points: 3) }

    func regrade(students: [String]?) async throws -> ClassBoard {
        regrades.withLock { $0.append(students) }
        await grading.passWithoutBlocking()
        return board(points: 9)
    }

    func report(student: String, lab: String) async throws -> String { "Report of \(student) in \(lab)\nexpected: x" }
}

/// A runtime on the fakes, on its own thread as the real one is, on a fake clock:
/// no time passes unless the test says so.
final class RunningDashboard: @unchecked Sendable {
    let terminal = FakeTerminal()
    let clock = FakeClock()
    let machines: FakeMachines
    let labs: FakeLabs
    let delay: Double
    private let finished = Flag()

    init(machines: FakeMachines = FakeMachines(), hosts: [FakeMachines] = [], containers: ContainerPort = AbsentEngine(),
         labs: FakeLabs = FakeLabs(setup: Gate()), classroom: ClassPort? = nil, backoff: Schedule.Backoff = .init(),
         delay: Double = 0.5, backgroundEngineSeconds: Double = 5) {
        self.machines = machines
        self.labs = labs
        self.delay = delay
        for fake in [machines] + hosts { fake.use(clock) }
        var state = AppState(uri: machines.uri, isDemo: false, readOnly: false, refreshInterval: delay,
                             moreConnections: hosts.map(\.uri))
        if classroom != nil { state.focus = .classroom }
        state.now = clock.now
        state.schedule.backoff = backoff
        state.schedule.backgroundEngineSeconds = backgroundEngineSeconds
        for uri in state.connections { state.schedule.links[uri]?.retryIn = backoff.first }
        let runtime = DashboardRuntime(state: state, theme: .builtIn, glyphs: .unicode, terminal: terminal,
                                       machines: machines,
                                       hosts: Dictionary(uniqueKeysWithValues: hosts.map { ($0.uri, $0 as MachinePort) }),
                                       containers: containers, labs: labs, classroom: classroom, clock: clock)
        Task.detached { [finished] in
            await runtime.run()
            finished.raise()
        }
    }

    /// Moves the clock on and waits until the loop has taken a whole turn at the new time (the turn under way
    /// when the clock moved may have read the time before).
    @discardableResult
    func advance(by seconds: Double) async -> Bool {
        let seen = terminal.reads
        clock.advance(by: seconds)
        terminal.wake()
        return await eventually("the loop took a turn at the new time") { terminal.reads >= seen + 2 }
    }

    /// One refresh interval passes, and the refresh it made due has reached the hypervisor.
    @discardableResult
    func refresh() async -> Bool {
        let before = machines.calls.snapshots
        await advance(by: delay)
        return await eventually("a refresh") { machines.calls.snapshots > before }
    }

    /// Time passes in steps of `step` seconds until `condition` holds (bounded by the wait, not by the clock).
    func passTime(_ what: String, step: Double, until condition: () -> Bool) async -> Bool {
        await eventually(what) {
            if condition() { return true }
            clock.advance(by: step)
            terminal.wake()
            return false
        }
    }

    /// Quits with `q` and waits (bounded) for the loop to end.
    func quit() async -> Bool {
        terminal.press(.character("q"))
        return await eventually("the loop ended") { finished.isRaised }
    }
}

extension Array {
    func repeated(_ times: Int) -> [Element] { (0 ..< times).flatMap { _ in self } }
}
