import Testing
import TestTags
import TermUI
@testable import App

@Suite(.tags(.pure)) struct ViewSnapshotTests {
    func screen(_ state: AppState, _ width: Int, _ height: Int, glyphs: Glyphs = .unicode) -> Buffer {
        view(state, size: Size(width: width, height: height), theme: .builtIn, glyphs: glyphs)
    }

    func stateWithDetails() throws -> AppState {
        var state = DashboardFixture.state()
        _ = update(&state, .key(.character("G")))  // web1: the last row, sorted by name
        _ = update(&state, .details(DashboardFixture.key(DashboardFixture.web1), try DashboardFixture.web1Details()))
        return state
    }

    @Test func dashboardAt80x24() throws {
        try assertSnapshot(screen(try stateWithDetails(), 80, 24), named: "dashboard-80x24")
    }

    @Test func dashboardAt120x40() throws {
        try assertSnapshot(screen(try stateWithDetails(), 120, 40), named: "dashboard-120x40")
    }

    @Test func dashboardSideBySideAt160x45() throws {
        try assertSnapshot(screen(try stateWithDetails(), 160, 45), named: "dashboard-160x45")
    }

    @Test func asciiFallback() throws {
        try assertSnapshot(screen(try stateWithDetails(), 80, 24, glyphs: .ascii), named: "dashboard-80x24-ascii")
    }

    @Test func tooSmallSaysSo() throws {
        try assertSnapshot(screen(DashboardFixture.state(), 10, 3), named: "too-small-10x3")
        #expect(screen(DashboardFixture.state(), 59, 24).text.contains("too small"))
        #expect(!screen(DashboardFixture.state(), 60, 15).text.contains("too small"))
    }

    @Test func helpAt80x24() throws {
        var state = DashboardFixture.state()
        _ = update(&state, .key(.character("?")))
        try assertSnapshot(screen(state, 80, 24), named: "help-80x24")
    }

    @Test func deleteAsksForTheName() throws {
        var state = DashboardFixture.state()
        for key: Key in [.character("D"), .character("w"), .character("e")] { _ = update(&state, .key(key)) }
        try assertSnapshot(screen(state, 80, 24), named: "delete-dialog-80x24")
    }

    @Test func demoReadOnlyAndLostConnectionAreInTheHeader() {
        var state = DashboardFixture.state(readOnly: true, demo: true)
        state.schedule.links[DashboardFixture.uri]?.retryIn = 4
        _ = update(&state, .connectionFailed(connection: DashboardFixture.uri, "Cannot recv data: Connection reset by peer"))
        let header = screen(state, 120, 40).text.split(separator: "\n")[0]
        #expect(header.contains("DEMO HYPERVISOR") && header.contains("READ-ONLY"))
        #expect(header.contains("CONNECTION LOST: Cannot recv data: Connection reset by peer; retry in 4s"))
        // The last numbers stay on screen while the link is down: the user keeps their place.
        #expect(screen(state, 120, 40).text.contains("web1"))
    }

    @Test func networksPaneAt80x24() throws {
        var state = DashboardFixture.state()
        _ = update(&state, .key(.character("5")))
        try assertSnapshot(screen(state, 80, 24), named: "networks-80x24")
    }

    @Test func containersPaneShowsLiveNumbersAndTheSelectedContainer() throws {
        var state = DashboardFixture.stateWithContainers()
        _ = update(&state, .key(.character("2")))
        let text = screen(state, 80, 24).text
        // api: 0.5 s more CPU in 2 s = 25% of one core; 4 KiB more received in 2 s. Running containers first.
        let rows = text.split(separator: "\n")
        let api = try #require(rows.firstIndex { $0.contains("api") && $0.contains("running") })
        let job = try #require(rows.firstIndex { $0.contains("job") && $0.contains("exited") })
        #expect(api < job)
        #expect(rows[api].contains("25.0") && rows[api].contains("64M") && rows[api].contains("2.0K"))
        #expect(text.contains("Containers · Podman Engine 4.3.1") && text.contains("2 CTs (2)"))
        #expect(text.contains("0.0.0.0:8080->80/tcp") && text.contains("64 MiB of 1 GiB") && text.contains("created 2023-11-14 22:13 UTC"))
        try assertSnapshot(screen(state, 80, 24), named: "containers-80x24")
    }

    @Test func containersPaneSaysWhyThereIsNoEngine() {
        var state = DashboardFixture.state()
        _ = update(&state, .key(.character("2")))
        #expect(screen(state, 80, 24).text.contains("Looking for a container engine"))
        _ = update(&state, .engineUnavailable("no container engine answers on /run/podman/podman.sock; start one"))
        let text = screen(state, 80, 24).text
        #expect(text.contains("no container engine answers on /run/podman/podman.sock; start one"))
        _ = update(&state, .key(.character("d")))
        #expect(state.status?.text.contains("no container engine") == true)
    }

    @Test func imagesPaneListsDiskAndContainerImages() {
        var state = DashboardFixture.stateWithContainers()
        _ = update(&state, .key(.character("3")))
        var text = screen(state, 80, 24).text
        #expect(text.contains("debian-12.qcow2") && text.contains("qcow2") && text.contains("2.0G"))
        #expect(text.contains("localhost/api:1") && text.contains("container") && text.contains("3 Images (2)"))
        _ = update(&state, .key(.down))
        text = screen(state, 80, 24).text
        #expect(text.contains("Tags     localhost/api:1") && text.contains("Id       cccccccccccc"))
    }

    @Test func cpuModeSwitchChangesTheNumbersAndTheHeader() {
        var state = DashboardFixture.state()
        #expect(screen(state, 80, 24).text.contains("100.0"))  // web1: 2 s of CPU in 2 s
        _ = update(&state, .key(.character("%")))
        let text = screen(state, 80, 24).text
        #expect(text.contains("VM% of host") && text.contains("25.0"))
    }
}
