import Inventory
import Testing
import TestTags
import TermUI
@testable import App

/// The Hosts pane: every watched host's state and numbers, and a lost one retried on request.
@Suite(.tags(.pure)) struct HostsPaneTests {
    static func screen(_ state: AppState, _ width: Int = 100, _ height: Int = 24) -> String {
        view(state, size: Size(width: width, height: height), theme: .builtIn, glyphs: .unicode).text
    }

    @Test func everyHostIsARowWithItsNumbers() throws {
        var state = SeveralHostsTests.state()
        _ = update(&state, .key(.character("8")))
        #expect(state.focus == .hosts)
        let lines = Self.screen(state).split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.contains("local ") && $0.contains("connected") && $0.contains("QEMU 7.2.22") && $0.contains("2/3") },
                "\(lines.joined(separator: "\n"))")
        #expect(lines.contains { $0.contains("pc02 ") && $0.contains("connected") && $0.contains("2/2") })
        try assertSnapshot(view(state, size: Size(width: 80, height: 24), theme: .builtIn, glyphs: .unicode), named: "hosts-80x24")
    }

    @Test func aLostHostSaysWhyAndIsRetriedOnRequest() {
        var state = SeveralHostsTests.state()
        _ = update(&state, .key(.character("8")))
        #expect(update(&state, .key(.character("r"))).isEmpty)
        #expect(state.status?.text == "local is not lost: nothing to retry")
        state.schedule.links[SeveralHostsTests.second]?.retryIn = 16
        _ = update(&state, .connectionFailed(connection: SeveralHostsTests.second, "No route to host"))
        _ = update(&state, .key(.down))
        #expect(state.selectedHost == SeveralHostsTests.second)
        let text = Self.screen(state)
        #expect(text.contains("Lost       No route to host") && text.contains("Retry in   16s"), "\(text)")
        #expect(update(&state, .key(.character("r"))) == [.connect(connection: SeveralHostsTests.second)],
                "tried again now, not in 16 s")
    }
}
