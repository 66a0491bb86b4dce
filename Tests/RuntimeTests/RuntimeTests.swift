import App
import Foundation
import Inventory
import LabFormat
import Runtime
import Testing
import TestTags
import TermUI

/// The runtime on fake ports: refresh scheduling, reconnect with back-off, effects becoming messages, and
/// that neither a slow hypervisor nor a lab's setup ever stalls the keys. Every wait is on a state, bounded.
@Suite(.tags(.pure)) struct RuntimeTests {
    @Test func refreshesRepeatOnTheMachineLaneAndTheScreenShowsTheMachines() async {
        let app = RunningDashboard(delay: 0.5)
        #expect(await app.terminal.shows("web1"))
        #expect(await app.terminal.shows("build"))
        for _ in 1...3 { #expect(await app.refresh()) }
        #expect(await app.quit())
        // Every hypervisor call ran on the machine lane's thread: none on the loop, none on the pool.
        #expect(app.machines.calls.threads == ["virtlab.libvirt"])
    }

    @Test func aRefusedConnectionIsRetriedWithGrowingBackoffAndSaidInTheHeader() async {
        let app = RunningDashboard(machines: FakeMachines(failConnects: 3), backoff: .init(first: 1, limit: 5))
        let start = app.clock.now
        // Each retry waits its whole back-off (1, 2, then 4 s), said in the header, and not a moment less.
        for (retry, backoff) in [1, 2, 4].enumerated() {
            #expect(await app.terminal.shows("CONNECTION LOST: Failed to connect socket: Connection refused; "
                                             + "retry in \(backoff)s"))
            #expect(await app.advance(by: Double(backoff) - 0.01))
            #expect(app.machines.calls.connects.count == retry + 1, "retry \(retry + 1) came before its back-off")
            app.clock.advance(by: 0.01)
            #expect(await eventually("retry \(retry + 1)") { app.machines.calls.connects.count == retry + 2 })
        }
        #expect(await app.terminal.shows("web1"), "connected in the end")
        #expect(app.machines.calls.connects == [0, 1, 3, 7].map { start + $0 })
        #expect(await app.quit())
    }

    @Test func aSlowHypervisorNeverStallsTheKeys() async {
        let slow = Gate()
        let app = RunningDashboard(machines: FakeMachines(slowSnapshot: slow), delay: 0.5)
        #expect(await app.terminal.shows("web1"))
        #expect(await app.passTime("the second refresh is stuck in libvirt", step: 0.5) { slow.isHolding })
        // While libvirt does not answer, the keys still work: help opens and closes, the filter takes text.
        app.terminal.press(.character("?"))
        #expect(await app.terminal.shows("next pane"))
        app.terminal.press(.escape, .character("/"))
        app.terminal.type("we")
        #expect(await app.terminal.shows("filter: we_"))
        #expect(slow.isHolding, "the refresh was still stuck while the keys were answered")
        app.terminal.press(.enter)
        slow.open()
        #expect(await app.passTime("refreshes resume", step: 0.5) { app.machines.calls.snapshots >= 3 })
        #expect(await app.quit())
    }

    @Test func aSlowOrLostHostNeverStallsTheOthersOrTheKeys() async {
        let slow = Gate()
        let stuck = FakeMachines(uri: "qemu+ssh://pc02/system", prefix: "pc02-", slowSnapshot: slow)
        let gone = FakeMachines(uri: "qemu+ssh://pc03/system", prefix: "pc03-", failConnects: 1000)
        let app = RunningDashboard(hosts: [stuck, gone], backoff: .init(first: 0.2, limit: 0.4), delay: 0.5)
        #expect(await app.terminal.shows("pc02-web1"), "every host's machines are in the one list")
        #expect(await app.terminal.shows("LOST: pc03"), "the lost host is named in the header")
        #expect(await app.passTime("pc02's second refresh is stuck", step: 0.5) { slow.isHolding })
        let before = app.machines.calls.snapshots
        for _ in 1...3 { #expect(await app.refresh(), "the first host keeps refreshing") }
        #expect(await app.passTime("the lost host is retried", step: 0.2) { gone.calls.connects.count >= 3 })
        app.terminal.press(.character("/"))
        app.terminal.type("pc02")
        #expect(await app.terminal.shows("filter: pc02_"), "keys are answered while one host hangs")
        #expect(slow.isHolding)
        // Each host's calls run on its own lane: the stuck one holds up nobody else's.
        #expect(app.machines.calls.threads == ["virtlab.libvirt"] && stuck.calls.threads == ["virtlab.host1"])
        app.terminal.press(.enter)
        slow.open()
        #expect(await app.quit())
    }

    /// `v` on a VM: its screen as a picture (half-blocks), asked for again while the dialog is open, what is typed
    /// sent to the guest as key codes (F12: Ctrl-Alt-Del), Esc closes it and asking stops.
    @Test func aVMsScreenIsShownRenewedAndTypedInto() async {
        let app = RunningDashboard(delay: 0.5)
        #expect(await app.terminal.shows("web1"))
        app.terminal.press(.character("/"))
        app.terminal.type("web1")
        app.terminal.press(.enter)
        #expect(await app.terminal.shows("UUID 1111"), "web1 is selected")
        app.terminal.press(.character("v"))
        #expect(await app.terminal.shows("Screen of web1"))
        #expect(await app.terminal.shows("▀▀▀▀"), "the picture as half-blocks: \(app.terminal.screen)")
        let first = app.machines.calls.screensTaken
        #expect(await app.passTime("the picture is asked for again", step: 0.5) { app.machines.calls.screensTaken > first })
        app.terminal.type("ls")
        app.terminal.press(.enter, .function(12))
        #expect(await eventually("the keys reached the guest") { app.machines.calls.keysSent == [[38], [31], [28], [29, 56, 111]] },
                "\(app.machines.calls.keysSent)")
        app.terminal.press(.escape)
        #expect(await eventually("the dialog closed") { !app.terminal.screen.contains("Screen of web1") })
        let last = app.machines.calls.screensTaken
        for _ in 1...3 { #expect(await app.refresh()) }
        #expect(app.machines.calls.screensTaken == last, "no picture is asked for once it is closed")
        #expect(await app.quit())
    }

    /// `m` on a VM of one watched host: the other hosts to choose from, the move's figures in the status bar while
    /// the keys still answer, Esc cancels it, and the Log keeps the outcome.
    @Test func aMoveToAnotherHostShowsItsProgressAndEscCancelsIt() async {
        let moving = Gate()
        let home = FakeMachines(slowMigration: moving)
        let other = FakeMachines(uri: "qemu+ssh://pc02/system", prefix: "pc02-")
        let app = RunningDashboard(machines: home, hosts: [other], delay: 0.5)
        // Both hosts listed, then the first row (this host's build): which host answers first varies.
        #expect(await eventually("both hosts' VMs are listed") {
            let screen = app.terminal.screen
            return screen.contains(" web1 ") && screen.contains("pc02-web1")
        })
        app.terminal.press(.character("g"))
        #expect(await app.terminal.shows("UUID 3333"), "a VM is selected")
        app.terminal.press(.character("m"))
        #expect(await app.terminal.shows("from test:///fake to"), "the other watched hosts are offered: \(app.terminal.screen)")
        app.terminal.press(.enter)
        #expect(await app.terminal.shows("50%, 64 MiB of 128 MiB"), "libvirt's figures in the status bar: \(app.terminal.screen.split(separator: "\n").suffix(3))")
        #expect(await app.terminal.shows("MOVE 50%, 64 MiB of 128 MiB"), "and in the moving VM's detail: \(app.terminal.screen)")
        #expect(await app.terminal.shows("  to qemu+ssh://pc02/system"), "with where it goes: \(app.terminal.screen)")
        app.terminal.press(.character("m"))
        #expect(await app.terminal.shows("a migration is under way (Esc cancels it)"), "keys answer during the move")
        app.terminal.press(.escape)
        #expect(await app.terminal.shows("cancelled: it runs on where it was"))
        app.terminal.press(.character("7"))
        #expect(await app.terminal.shows("failed"), "the Log keeps the cancelled move")
        moving.open()
        #expect(await app.quit())
    }

    /// `m` in the Hosts pane moves every running VM of the selected host (evacuate): the same dialog and move.
    @Test func aHostIsEvacuatedFromTheHostsPane() async {
        let home = FakeMachines()
        let other = FakeMachines(uri: "qemu+ssh://pc02/system", prefix: "pc02-")
        let app = RunningDashboard(machines: home, hosts: [other], delay: 0.5)
        #expect(await app.terminal.shows("web1"))
        app.terminal.press(.character("8"))
        #expect(await app.terminal.shows("VMS UP"))
        app.terminal.press(.character("m"))
        #expect(await app.terminal.shows("Move web1 from test:///fake to"), "the running VM only: \(app.terminal.screen)")
        app.terminal.press(.enter)
        #expect(await app.terminal.shows("moved web1 to qemu+ssh://pc02/system"))
        #expect(home.calls.actedOn == ["migrate web1 to qemu+ssh://pc02/system"])
        #expect(await app.quit())
    }

    /// `v` on a lost host in the Hosts pane asks every host that answers to start its standby copies of the lost
    /// host's protected VMs; on a host that answers it is refused.
    @Test func aLostHostsProtectedVMsAreRecoveredFromTheHostsPane() async {
        let standby = FakeMachines(uri: "qemu+ssh://pc02/system", prefix: "pc02-")
        let gone = FakeMachines(uri: "qemu+ssh://pc03/system", prefix: "pc03-", failConnects: 1000)
        let app = RunningDashboard(hosts: [standby, gone], backoff: .init(first: 0.2, limit: 0.4), delay: 0.5)
        #expect(await app.terminal.shows("LOST: pc03"))
        app.terminal.press(.character("8"))
        #expect(await app.terminal.shows("VMS UP"))
        app.terminal.press(.character("v"))
        #expect(await app.terminal.shows("is not lost: its VMs run there"), "the first host answers")
        app.terminal.press(.character("j"), .character("j"))
        #expect(await app.terminal.shows("Recover    v starts its protected VMs"), "offered on the lost host: \(app.terminal.screen)")
        app.terminal.press(.character("v"))
        #expect(await eventually("every host that answers is asked") {
            standby.calls.actedOn == ["recover from qemu+ssh://pc03/system"]
                && app.machines.calls.actedOn == ["recover from qemu+ssh://pc03/system"]
        })
        #expect(gone.calls.actedOn.isEmpty)
        app.terminal.press(.character("7"))
        #expect(await eventually("the Log has a row for each host asked, with what it started") {
            let screen = app.terminal.screen
            return screen.contains("virtlab failover watch --uri test:///fake --after 0 --once")
                && screen.contains("virtlab failover watch --uri qemu+ssh://pc02/system --after 0 --once")
                && screen.contains("Result   started ")
        }, "\(app.terminal.screen)")
        #expect(await app.quit())
    }

    @Test func theClassGradesWithoutStallingTheKeys() async {
        let grading = Gate()
        let classroom = FakeClass(grading: grading)
        let app = RunningDashboard(classroom: classroom)
        #expect(await app.terminal.shows("Class room 101"))
        #expect(await app.terminal.shows("3/9"))
        app.terminal.press(.character("r"))
        #expect(await eventually("alice is being graded") { classroom.regraded == [["alice"]] })
        #expect(await app.terminal.shows("grading"))
        app.terminal.press(.character("j"))
        #expect(await app.terminal.shows("─ Bob · lab1"), "keys work while hosts are graded")
        grading.open()
        #expect(await app.terminal.shows("9/9"), "the new grade is on the board")
        app.terminal.press(.character("f"))
        // The pane's title and rows, not the status line (another status may take its place at once).
        #expect(await app.terminal.shows("Class room 101 · needs help"))
        #expect(await eventually("only bob needs help") {
            let rows = app.terminal.screen.split(separator: "\n")
            return rows.contains { $0.hasPrefix("│bob ") } && !rows.contains { $0.hasPrefix("│alice ") }
        }, "alice has full marks")
        app.terminal.press(.enter)
        #expect(await app.terminal.shows("Report of bob in lab1"))
        app.terminal.press(.escape)
        #expect(await app.quit())
    }

    @Test func effectsBecomeMessages() async {
        let app = RunningDashboard()
        #expect(await app.terminal.shows("build"))
        app.terminal.press(.character("g"), .character("u"))  // build, shut off: start needs no confirmation
        #expect(await app.terminal.shows("start build: done"))
        #expect(app.machines.calls.performed == [.start])
        app.terminal.press(.character("x"))
        #expect(await app.terminal.shows("XML of build"))
        #expect(await app.terminal.shows("<domain><name>build</name></domain>"))
        app.terminal.press(.escape)
        #expect(await app.quit())
    }

    /// Marked VMs get one action each, in turn; the one that vanished meanwhile fails alone, and the Log has a row
    /// for each with its virsh command.
    @Test func oneActionForEveryMarkedVMIsLoggedPerVM() async {
        let app = RunningDashboard(delay: 0.5)
        #expect(await app.terminal.shows("web1"))
        app.terminal.press(.character("g"), .character(" "), .character(" "))
        #expect(await app.terminal.shows("2 marked"))
        app.machines.vanish("web1")
        #expect(await app.passTime("web1 is gone from the list", step: 0.5) { !app.terminal.screen.contains("web1") })
        app.terminal.press(.character("t"))
        app.terminal.type("s1")
        app.terminal.press(.enter)
        #expect(await app.terminal.shows("snapshot as 's1': 1 of 2 VMs done; failed: web1 (the Log, 7, says why)"))
        #expect(app.machines.calls.actedOn == ["build", "web1"])
        app.terminal.press(.character("7"))
        #expect(await app.terminal.shows("virsh -c test:///fake snapshot-create-as build s1"))
        #expect(await app.terminal.shows("virsh -c test:///fake snapshot-create-as web1 s1"))
        #expect(await app.terminal.shows("web1 no longer exists on test:///fake"))
        #expect(await app.quit())
    }

    /// The engine is sampled at the refresh interval while the Containers pane is shown, at once when it comes
    /// into view, and seldom otherwise (its tab's count only).
    @Test func theEngineIsSampledAtPaceOnlyWhileItsPaneIsShown() async {
        let engine = CountingEngine()
        let app = RunningDashboard(containers: engine, delay: 0.5, backgroundEngineSeconds: 5)
        // The engine's turns are sleeps on the clock: the clock moves only while the sampler waits for it.
        func sampled(_ count: Int, _ what: String) async -> Bool {
            await eventually(what) { engine.samples == count && app.clock.sleeping == 1 }
        }
        #expect(await sampled(1, "the first engine sample"))
        // Four refreshes (2 s) while the pane is hidden: the engine waits for its background turn at 5 s.
        for _ in 1...4 { #expect(await app.refresh()) }
        #expect(engine.samples == 1, "sampled \(engine.samples) times while its pane was not shown")
        #expect(await app.advance(by: 3))
        #expect(await sampled(2, "the background turn"))
        app.terminal.press(.character("2"))
        #expect(await sampled(3, "sampled at once when shown"))
        #expect(await app.advance(by: 0.5))
        #expect(await sampled(4, "then at the refresh pace"))
        #expect(await app.quit())
    }

    @Test func aFailedActionIsOneLineInTheStatusBar() async {
        let app = RunningDashboard(machines: FakeMachines(failPerform: "cannot start 'build': no disk"))
        #expect(await app.terminal.shows("build"))
        app.terminal.press(.character("g"), .character("u"))
        #expect(await app.terminal.shows("cannot start 'build': no disk"))
        #expect(await app.quit())
    }

    @Test func aLabsLongSetupNeverStallsTheKeysRefreshesOrGrading() async {
        let setup = Gate()
        let app = RunningDashboard(labs: FakeLabs(setup: setup))
        #expect(await app.terminal.shows("web1"))
        app.terminal.press(.character("4"), .enter)
        #expect(await eventually("setup started") { setup.isHolding })
        // Setup takes as long as it takes; the loop, libvirt and grading carry on meanwhile.
        let refreshes = app.machines.calls.snapshots
        app.terminal.press(.character("h"))
        #expect(await app.terminal.shows("look closer"))
        #expect(await app.refresh() && app.machines.calls.snapshots > refreshes, "libvirt is still refreshed")
        app.terminal.press(.character("c"))
        #expect(await app.terminal.shows("Step one: 1/1 points"))
        #expect(setup.isHolding && app.labs.checked == 1)
        setup.open()
        #expect(await app.quit())
    }

    @Test func answersAreKeptThenTheirStepIsGraded() async {
        let app = RunningDashboard()
        #expect(await app.terminal.shows("web1"))
        app.terminal.press(.character("4"), .enter, .enter)
        #expect(await app.terminal.shows("Is the thing done?"))
        app.terminal.press(.character("b"), .enter)
        #expect(await app.terminal.shows("Step one: 1/1 points"))
        #expect(app.labs.answers.withLock { $0 } == [LabAnswer(check: "c", values: ["b"])] && app.labs.checked == 1)
        app.terminal.press(.enter)
        #expect(await app.terminal.shows("(•) b) no"), "the kept answer is chosen when the question is opened again")
        app.terminal.press(.escape)
        #expect(await app.terminal.shows("answers left as they were"))
        #expect(await app.quit())
    }

    @Test func aLabsEnvironmentIsShownPlannedConfirmedAndLogged() async {
        let app = RunningDashboard()
        #expect(await app.terminal.shows("web1"))
        app.terminal.press(.character("4"))
        #expect(await app.terminal.shows("machine  fake-vm  missing"))
        app.terminal.press(.character("u"))
        #expect(await app.terminal.shows("Bring up fake's environment?"))
        #expect(app.terminal.screen.contains("virsh define fake-vm.xml"), "the dialog shows each command before it runs")
        app.terminal.press(.character("y"))
        #expect(await app.terminal.shows("fake's environment: up"))
        #expect(await app.terminal.shows("machine  fake-vm  as declared"))
        app.terminal.press(.character("u"))
        #expect(await app.terminal.shows("fake's environment is as declared: nothing to do"))
        app.terminal.press(.character("D"))
        #expect(await app.terminal.shows("Take down fake's environment?"))
        app.terminal.press(.character("n"))
        #expect(await app.terminal.shows("take down fake's environment: cancelled"))
        #expect(app.labs.worldIsUp.withLock { $0 }, "n changes nothing")
        app.terminal.press(.character("7"))
        #expect(await app.terminal.shows("make VM fake-vm"), "each step is a Log row")
        #expect(await app.quit())
    }

    @Test func answersThatCannotBeKeptAreSaidAndNotGraded() async {
        let app = RunningDashboard(labs: FakeLabs(setup: Gate(), refusal: "no space left on device"))
        #expect(await app.terminal.shows("web1"))
        app.terminal.press(.character("4"), .enter, .enter, .character("a"), .enter)
        #expect(await app.terminal.shows("answers not kept: no space left on device"))
        #expect(app.labs.checked == 0)
        #expect(await app.quit())
    }

    @Test func aStuckEngineNeverStallsTheKeysOrTheMachines() async {
        let stuck = Gate()
        let app = RunningDashboard(containers: SlowEngine(gate: stuck))
        #expect(await app.terminal.shows("web1"))
        #expect(await eventually("the engine is stuck connecting") { stuck.isHolding })
        app.terminal.press(.character("2"))
        #expect(await app.terminal.shows("Looking for a container engine"))
        app.terminal.press(.character("1"), .character("?"))
        #expect(await app.terminal.shows("next pane"))
        #expect(await app.refresh(), "libvirt is still refreshed")
        app.terminal.press(.escape)
        stuck.open()
        app.terminal.press(.character("2"))
        #expect(await app.terminal.shows("the engine gave up"))
        #expect(await app.quit())
    }

    @Test func anAbsentEngineIsSaidInTheContainersPane() async {
        let app = RunningDashboard()
        app.terminal.press(.character("2"))
        #expect(await app.terminal.shows("nothing listens on the fake socket"))
        #expect(await app.quit())
    }
}
