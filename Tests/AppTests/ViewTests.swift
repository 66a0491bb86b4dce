import Testing
import TermUI
@testable import App

@Suite struct ViewSnapshotTests {
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
        _ = update(&state, .connectionLost("Cannot recv data: Connection reset by peer", retryAt: 204))
        let header = screen(state, 120, 40).text.split(separator: "\n")[0]
        #expect(header.contains("DEMO HYPERVISOR") && header.contains("READ-ONLY"))
        #expect(header.contains("CONNECTION LOST: Cannot recv data: Connection reset by peer; retry in 4s"))
        // The last numbers stay on screen while the link is down: the user keeps their place.
        #expect(screen(state, 120, 40).text.contains("web1"))
    }

    @Test func containersPaneSaysThereIsNoProviderYet() {
        var state = DashboardFixture.state()
        _ = update(&state, .key(.character("2")))
        #expect(screen(state, 80, 24).text.contains("No container provider yet."))
    }

    @Test func imagesPaneListsPoolVolumes() {
        var state = DashboardFixture.state()
        _ = update(&state, .key(.character("3")))
        let text = screen(state, 80, 24).text
        #expect(text.contains("debian-12.qcow2") && text.contains("qcow2") && text.contains("2.0G"))
    }

    @Test func cpuModeSwitchChangesTheNumbersAndTheHeader() {
        var state = DashboardFixture.state()
        #expect(screen(state, 80, 24).text.contains("100.0"))  // web1: 2 s of CPU in 2 s
        _ = update(&state, .key(.character("%")))
        let text = screen(state, 80, 24).text
        #expect(text.contains("VM% of host") && text.contains("25.0"))
    }
}
