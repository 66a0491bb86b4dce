import Foundation
import Testing
import TestTags
import TestSupport
import VirtKit

/// Waits for `text` on the screen; on time-out the test fails with the screen as it was.
func expectScreen(_ session: TmuxSession, contains text: String, timeout: Duration = .seconds(120),
                  sourceLocation: SourceLocation = #_sourceLocation) async {
    let found = await session.waitFor(text, timeout: timeout)
    let screen = found ? "" : await session.screen()
    #expect(found, "screen lacks '\(text)':\n\(screen)", sourceLocation: sourceLocation)
}

/// Waits until a row of the screen satisfies `row` (a machine's line with its state, say): this is the state
/// itself, where a status line ("pause alpha: done") lasts 5 s and a loaded machine can miss it.
func expectRow(_ session: TmuxSession, timeout: Duration = .seconds(120), _ what: String,
               sourceLocation: SourceLocation = #_sourceLocation, where row: @escaping (Substring) -> Bool) async {
    let found = await eventually(timeout: timeout, every: .milliseconds(100)) {
        await session.screen().split(separator: "\n").contains(where: row)
    }
    let screen = found ? "" : await session.screen()
    #expect(found, "no row shows \(what):\n\(screen)", sourceLocation: sourceLocation)
}

/// Waits until `text` is gone from the screen (a dialog closed, a warning cleared).
func expectGone(_ session: TmuxSession, _ text: String, timeout: Duration = .seconds(120),
                sourceLocation: SourceLocation = #_sourceLocation) async {
    let gone = await eventually(timeout: timeout, every: .milliseconds(100)) { await !session.screen().contains(text) }
    let screen = gone ? "" : await session.screen()
    #expect(gone, "screen still shows '\(text)':\n\(screen)", sourceLocation: sourceLocation)
}

/// The real binary in tmux: keys in, screen out, terminal restored at the end.
@Suite(.serialized, .tags(.daemon)) struct DashboardEndToEndTests {
    @Test func navigateFilterPauseResizeQuitOnTheTestDriver() async throws {
        let fixture = try TestDriverFixture(vms: [.init(name: "alpha", vcpus: 2), .init(name: "beta"),
                                                  .init(name: "gamma", running: false)])
        let session = try await TmuxSession([Run.virtlabBinary, "--uri", fixture.uri, "--delay", "0.5"])
        await expectScreen(session, contains: "1 VMs (3)")
        #expect(await session.alternateScreen)
        await expectScreen(session, contains: "─ alpha ─")  // the detail pane follows the selection

        try await session.send("j")
        await expectScreen(session, contains: "─ beta ─")

        try await session.send("/")
        try await session.send("gam", literal: true)
        await expectScreen(session, contains: "filter: gam_")
        let screen = await session.screen()
        #expect(!screen.contains("alpha"))
        try await session.send("Escape")
        await expectScreen(session, contains: "alpha")

        try await session.send("g", "p")
        await expectRow(session, "alpha paused") { $0.contains("alpha") && $0.contains("paused") }
        try await session.send("p")
        // The state's reason proves the resume; the status line's "done" lasts 5 s, which a loaded machine can miss.
        await expectScreen(session, contains: "running (unpaused)")

        try await session.send("F")
        await expectScreen(session, contains: "Force off alpha?")
        try await session.send("n")
        await expectGone(session, "Force off alpha?")
        await expectRow(session, "alpha still running") { $0.contains("alpha") && $0.contains("running") }

        try await session.resize(width: 40, height: 10)
        await expectScreen(session, contains: "Terminal too small: 40x10")
        try await session.resize(width: 120, height: 40)
        await expectScreen(session, contains: "Virtual machines (3)")
        for _ in 0..<30 { try await session.resize(width: Int.random(in: 20...150), height: Int.random(in: 5...50)) }
        try await session.resize(width: 80, height: 24)
        await expectScreen(session, contains: "1 VMs (3)")

        try await session.send("?")
        await expectScreen(session, contains: "─ Keys ─")
        try await session.send("Escape", "q")
        await expectScreen(session, contains: "VIRTLAB_EXIT=0")
        #expect(await !session.alternateScreen, "the terminal was not restored")
        #expect(await !session.screen().contains("Virtual machines"))
    }

    /// The Networks pane on the fixture's NAT network: stopped after a confirmation showing the virsh line,
    /// started again; the row follows the network's real state.
    @Test func networksPaneStopsAndStartsANetwork() async throws {
        let fixture = try TestDriverFixture(vms: [.init(name: "solo")])
        let session = try await TmuxSession([Run.virtlabBinary, "--uri", fixture.uri, "--delay", "0.5"])
        await expectScreen(session, contains: "1 VMs (1)")
        try await session.send("5")
        await expectRow(session, "labnet active") { $0.contains("labnet") && $0.contains("active") && $0.contains("nat") }
        try await session.send("d")
        await expectScreen(session, contains: "Same as: virsh net-destroy labnet")
        try await session.send("y")
        await expectRow(session, "labnet inactive") { $0.contains("labnet") && $0.contains("inactive") }
        try await session.send("u")
        await expectRow(session, "labnet active again") {
            $0.contains("labnet") && $0.contains("active") && !$0.contains("inactive")
        }
        try await session.send("q")
        await expectScreen(session, contains: "VIRTLAB_EXIT=0")
    }

    @Test func sigtermRestoresTheTerminal() async throws {
        let fixture = try TestDriverFixture(vms: [.init(name: "solo")])
        let session = try await TmuxSession([Run.virtlabBinary, "--uri", fixture.uri])
        await expectScreen(session, contains: "1 VMs (1)")
        let pid = try #require(await session.programPID)
        #expect(kill(pid, SIGTERM) == 0)
        await expectScreen(session, contains: "VIRTLAB_EXIT=0")
        #expect(await !session.alternateScreen)
    }

    @Test func aBadThemeIsRefusedWithItsLineAndTheAppStarts() async throws {
        let fixture = try TestDriverFixture(vms: [.init(name: "solo")])
        let theme = FileManager.default.temporaryDirectory.appendingPathComponent("broken-\(UUID()).theme").path
        try "text = default\nheader = purple\n".write(toFile: theme, atomically: true, encoding: .utf8)
        let session = try await TmuxSession([Run.virtlabBinary, "--uri", fixture.uri, "--theme", theme], width: 120)
        await expectScreen(session, contains: "\(theme):2: unknown colour 'purple'")
        await expectScreen(session, contains: "Virtual machines (1)")
        try await session.send("q")
        await expectScreen(session, contains: "VIRTLAB_EXIT=0")
    }

    @Test func questionsAreAnsweredInTheLabsPaneKeptAndGraded() async throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("virtlab-quiz-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: home) }
        let environment = ["XDG_STATE_HOME": home + "/state", "XDG_DATA_HOME": home + "/data",
                           "XDG_CONFIG_HOME": home + "/config", "USER": "ana"]
        let session = try await TmuxSession([Run.virtlabBinary, "--uri", "test:///default"], width: 120, height: 40,
                                            environment: environment)
        try await session.send("4")
        await expectScreen(session, contains: "102.6-questions")
        try await session.send("Enter")
        await expectScreen(session, contains: "Step 1 of 6")
        for _ in 1...5 { try await session.send("]") }
        await expectScreen(session, contains: "Questions: 0 of 5 answered")
        try await session.send("Enter")
        await expectScreen(session, contains: "question 1 of 5")
        try await session.send("a")
        await expectScreen(session, contains: "(•) a)")
        for _ in 1...4 { try await session.send("Tab") }
        await expectScreen(session, contains: "question 5 of 5")
        try await session.send("a", "Enter")
        await expectScreen(session, contains: "Questions: 2 of 5 answered")
        await expectScreen(session, contains: "Results: ")
        try await session.send("q")
        await expectScreen(session, contains: "VIRTLAB_EXIT=0")

        let shown = try await Run.virtlab(["lab", "answer", "102.6-questions", "nat"], environment: environment)
        #expect(shown.status == 0 && shown.stdout.contains("answered: a)"), "\(shown.stdout)\(shown.stderr)")
        let progress = (try? FileManager.default.contentsOfDirectory(atPath: home + "/state/virtlab/progress")) ?? []
        #expect(progress.contains { $0.hasPrefix("102.6-questions") }, "the grading is kept as progress: \(progress)")
    }

    @Test func noTerminalMeansAClearErrorNotAGarbledScreen() async throws {
        let result = try await Run.virtlab(["ui", "--uri", "test:///default"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("the dashboard needs a terminal"))
    }
}

/// The dashboard on the real libvirtd: a real guest paused and resumed, its serial console, and a lost
/// connection that comes back.
@Suite(.serialized, .tags(.guest)) struct DashboardOnRealDaemonTests {
    @Test func pauseResumeAndConsoleOfARealGuest() async throws {
        let connection = try QEMUTestGuest.connect()
        let name = QEMUTestGuest.uniqueName("tui")
        defer { QEMUTestGuest.cleanUp(connection, name: name) }
        let domain = try connection.define(xml: QEMUTestGuest.domainXML(name: name))
        try domain.start()
        let booted = await eventually(timeout: .seconds(60)) {
            (try? String(contentsOfFile: QEMUTestGuest.serialLogPath(for: name), encoding: .utf8))?
                .contains("virtlab-guest: up") == true
        }
        #expect(booted)

        let session = try await TmuxSession([Run.virtlabBinary, "--uri", QEMUTestGuest.uri, "--delay", "0.5"], width: 120)
        await expectScreen(session, contains: "Virtual machines (")
        try await session.send("/")
        try await session.send(name, literal: true)
        try await session.send("Enter")
        await expectScreen(session, contains: "─ \(name) ─")
        try await session.send("p")
        #expect(await eventually(timeout: .seconds(30)) { try domain.info().state == .paused })
        await expectRow(session, "\(name) paused") { $0.contains(name) && $0.contains("paused") }
        try await session.send("p")
        #expect(await eventually(timeout: .seconds(30)) { try domain.info().state == .running })
        await expectRow(session, "\(name) running") { $0.contains(name) && $0.contains("running") }

        try await session.send("c")
        await expectScreen(session, contains: "console of \(name). Press Ctrl-] to return")
        try await session.send("echo virtlab-$((6*7))", literal: true)
        try await session.send("Enter")
        await expectScreen(session, contains: "virtlab-42")
        try await session.send("C-]")
        await expectScreen(session, contains: "─ \(name) ─")  // the UI came back intact
        await expectGone(session, "virtlab-42")

        try await session.send("q")
        await expectScreen(session, contains: "VIRTLAB_EXIT=0")
        #expect(await !session.alternateScreen)
    }

    /// libvirtd "goes away" by cutting a socket proxy between virtlab and the daemon, then "returns".
    @Test func survivesALostDaemonAndReconnects() async throws {
        _ = try QEMUTestGuest.connect()
        let proxy = try SocketProxy(target: "/run/libvirt/libvirt-sock")
        defer { proxy.stop() }
        let uri = "qemu:///system?socket=\(proxy.path)"
        let session = try await TmuxSession([Run.virtlabBinary, "--uri", uri, "--delay", "0.5"], width: 140)
        await expectScreen(session, contains: "Virtual machines (")  // the tab counts machines once connected
        proxy.stop()
        await expectScreen(session, contains: "CONNECTION LOST")
        #expect(await session.alternateScreen, "virtlab must keep running while the daemon is away")
        try proxy.start()
        await expectGone(session, "CONNECTION LOST", timeout: .seconds(45))
        try await session.send("q")
        await expectScreen(session, contains: "VIRTLAB_EXIT=0")
    }
}
