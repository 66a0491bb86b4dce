import Foundation
import Inventory
import Testing
import TestTags
import TermUI
@testable import App

/// The dashboard over several connections: one list with a HOST column, each host's state on its own.
@Suite(.tags(.pure)) struct SeveralHostsTests {
    static let second = "qemu+ssh://student@pc02/system"

    /// The fixture's host, then a second one with two machines of its own (same UUIDs: names repeat across hosts).
    static func state() -> AppState {
        var state = AppState(uri: DashboardFixture.uri, isDemo: false, readOnly: false, moreConnections: [second])
        _ = update(&state, .tick(now: 100))
        _ = update(&state, .reconnected(connection: DashboardFixture.uri))
        _ = update(&state, .reconnected(connection: second))
        for (time, scale) in [(10.0, UInt64(1)), (12.0, 2)] {
            _ = update(&state, .snapshot(DashboardFixture.snapshot(at: time, scale: scale)))
            let fixture = DashboardFixture.snapshot(at: time, scale: scale)
            let machines = fixture.machines.prefix(2).map { machine in
                MachineSample(key: MachineKey(connection: second, uuid: machine.key.uuid), name: "pc02-" + machine.name,
                              state: machine.state, vcpus: 1, memoryKiB: machine.memoryKiB, maxMemoryKiB: machine.maxMemoryKiB,
                              cpuTimeNs: machine.cpuTimeNs)
            }
            _ = update(&state, .snapshot(InventorySnapshot(connection: second, hypervisor: fixture.hypervisor, time: time,
                                                           host: fixture.host, machines: machines, images: [])))
        }
        _ = update(&state, .tick(now: 200))
        return state
    }

    func screen(_ state: AppState, _ width: Int = 100, _ height: Int = 24) -> String {
        view(state, size: Size(width: width, height: height), theme: .builtIn, glyphs: .unicode).text
    }

    @Test func everyHostsMachinesAreOneListWithAHostColumn() {
        let state = Self.state()
        #expect(state.visibleMachines.map(\.name) == ["build", "db1", "pc02-db1", "pc02-web1", "web1"])
        let lines = screen(state).split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.contains("HOST") && $0.contains("NAME") })
        #expect(lines.contains { $0.contains("pc02 ") && $0.contains("pc02-web1") && $0.contains("running") })
        #expect(lines.contains { $0.contains("local ") && $0.contains(" web1 ") })
        #expect(lines[0].contains("2/2 HOSTS UP") && lines[1].contains("(5)"), "\(lines[0]) \(lines[1])")
        // Rates of one host survive the other's refresh.
        #expect(state.rates[DashboardFixture.key(DashboardFixture.web1)] != nil)
        #expect(state.rates[MachineKey(connection: Self.second, uuid: DashboardFixture.web1)] != nil)
    }

    @Test func aLostHostIsNamedAndItsMachinesStay() {
        var state = Self.state()
        state.schedule.links[Self.second]?.retryIn = 4
        _ = update(&state, .connectionFailed(connection: Self.second, "End of file while reading data"))
        let header = screen(state).split(separator: "\n")[0]
        #expect(header.contains("1/2 HOSTS UP, LOST: pc02"), "\(header)")
        #expect(state.visibleMachines.count == 5, "the last numbers stay on screen")
        let rows = screen(state).split(separator: "\n")
        #expect(rows.filter { $0.contains("pc02 lost") }.count == 2 && rows.contains { $0.contains("local ") && $0.contains("web1") },
                "the lost host's rows say so: \(rows.joined(separator: "\n"))")
        #expect(state.connection == .connected, "the first host is not affected")
    }

    @Test func actionsGoToTheMachinesOwnHost() {
        var state = Self.state()
        state.selectedMachine = MachineKey(connection: Self.second, uuid: DashboardFixture.web1)
        let effects = update(&state, .key(.character("x")))
        #expect(effects == [.fetchXML(MachineKey(connection: Self.second, uuid: DashboardFixture.web1), name: "pc02-web1")])
    }

    @Test func connectionLabelsNameTheHost() {
        #expect(ConnectionLabel.host(of: "qemu+ssh://student@pc02:2222/system?command=/tmp/x") == "pc02")
        #expect(ConnectionLabel.host(of: "qemu:///system") == "local")
        #expect(ConnectionLabel.host(of: "qemu:///system?socket=/var/tmp/vl2h-1/b/run/libvirt-sock") == "local:b")
        #expect(ConnectionLabel.host(of: "qemu:///system?socket=/run/libvirt/libvirt-sock") == "local")
        #expect(ConnectionLabel.host(of: "test:///default") == "test")
        #expect(ConnectionLabel.host(of: "test:///srv/room2.xml") == "room2")
    }
}

/// The Class pane: students × labs, the keys a teacher uses.
@Suite(.tags(.pure)) struct ClassPaneTests {
    static func state() -> AppState {
        var state = DashboardFixture.state()
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let board = ClassBoard(
            name: "room 101",
            students: [.init(id: "alice", name: "Alice Liddell", host: "pc01"), .init(id: "bob", name: "Bob Builder", host: "pc02"),
                       .init(id: "carol", name: "Carol Danvers", host: "pc03"), .init(id: "dave", name: "Dave Lister", host: "pc04")],
            labs: ["check-extensions", "libvirt-basics"],
            cells: [
                "alice": ["check-extensions": .init(earned: 9, possible: 9, from: "live", lastStatus: "graded", lastAt: now - 60),
                          "libvirt-basics": .init(earned: 8, possible: 8, from: "submitted", lastStatus: "verified", lastAt: now - 600)],
                "bob": ["check-extensions": .init(earned: 0, possible: 9, from: "live", lastStatus: "graded", lastAt: now - 60,
                                                  flags: ["copied: handed in by bob but signed by alice"])],
                "carol": ["check-extensions": .init(earned: 4, possible: 9, from: "live", lastStatus: "graded", lastAt: now - 120,
                                                    stuck: true)],
                "dave": ["check-extensions": .init(lastStatus: "unreachable",
                                                   lastDetail: "unreachable: ssh: connect to host pc04 port 22: No route to host",
                                                   lastAt: now - 60)],
            ],
            readAt: now)
        _ = update(&state, .classLoaded(board))
        _ = update(&state, .key(.character("6")))
        return state
    }

    func screen(_ state: AppState, _ width: Int = 80, _ height: Int = 24) -> Buffer {
        view(state, size: Size(width: width, height: height), theme: .builtIn, glyphs: .unicode)
    }

    @Test func theGridAt80x24() throws {
        try assertSnapshot(screen(Self.state()), named: "class-80x24")
        let text = screen(Self.state()).text
        #expect(text.contains("[9/9]") && text.contains("0/9 !") && text.contains("4/9 stuck") && text.contains("unreachable"))
    }

    @Test func keysRegradeFilterAndOpenTheReport() {
        var state = Self.state()
        #expect(update(&state, .key(.character("r"))) == [.regrade(students: ["alice"])])
        #expect(state.grading == ["alice"] && screen(state).text.contains("[grading]"))
        _ = update(&state, .classGraded(state.classBoard!, students: ["alice"]))
        #expect(state.grading.isEmpty)
        #expect(update(&state, .key(.character("R"))) == [.regrade(students: nil)] && state.grading.count == 4)
        _ = update(&state, .classGraded(state.classBoard!, students: nil))
        _ = update(&state, .key(.character("f")))
        #expect(state.visibleStudents.map(\.id) == ["bob", "carol", "dave"], "alice has full marks everywhere")
        _ = update(&state, .key(.character("f")))
        _ = update(&state, .key(.down))
        _ = update(&state, .key(.right))
        #expect(update(&state, .key(.enter)) == [.fetchClassReport(student: "bob", lab: "libvirt-basics")])
        _ = update(&state, .key(.right))
        #expect(state.selectedLabColumn == 1, "the last column is as far as it goes")
    }

    /// A grade's detail is its points; a host that could not be graded says why, in its own words.
    @Test func theDetailSaysWhyAHostWasNotGraded() {
        var state = Self.state()
        #expect(screen(state).text.contains("Last       graded, 1m ago"))
        for _ in 0..<3 { _ = update(&state, .key(.down)) }
        #expect(screen(state, 100).text.contains("Last       unreachable: ssh: connect to host pc04 port 22: No route to host, 1m ago"),
                "\(screen(state, 100).text)")
    }

    @Test func withoutAClassThePaneSaysHowToOpenOne() {
        var state = DashboardFixture.state()
        _ = update(&state, .key(.character("6")))
        #expect(screen(state).text.contains("No class open: start the dashboard with 'virtlab ui --class DIR'."))
        _ = update(&state, .key(.character("r")))
        #expect(state.status?.text == "no class open: start with 'virtlab ui --class DIR'")
    }
}
