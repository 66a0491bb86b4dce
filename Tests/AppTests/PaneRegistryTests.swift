import Foundation
import Inventory
import Testing
import TestTags
import TermUI
@testable import App

/// A pane is a folder under Sources/App/Panes and one line in `Panes.all`: the number keys, the tabs and the
/// help's sections follow the registry.
@Suite(.tags(.pure)) struct PaneRegistryTests {
    @Test func numberKeysTabsAndHelpFollowTheRegistry() {
        var state = DashboardFixture.state()
        let screen = view(state, size: Size(width: 160, height: 40), theme: .builtIn, glyphs: .unicode).text
        let tabs = String(screen.split(separator: "\n")[1])
        var lastTab = tabs.startIndex
        for (index, feature) in Panes.all.enumerated() {
            _ = update(&state, .key(.character(Character("\(index + 1)"))))
            #expect(state.focus == feature.pane, "key \(index + 1)")
            let tab = tabs.range(of: " \(index + 1) \(feature.title)")
            #expect(tab != nil && tab!.lowerBound >= lastTab, "tab \(index + 1) \(feature.title) in \(tabs)")
            lastTab = tab?.lowerBound ?? lastTab
        }
        let help = helpLines(state, theme: .builtIn).map { $0.spans.map(\.text).joined() }
        for (index, feature) in Panes.all.enumerated() {
            #expect(help.contains("\(feature.title) (\(index + 1))"), "help has no section for \(feature.title)")
        }
    }

    @Test func tabWalksEveryPaneAndComesBack() {
        var state = DashboardFixture.state()
        var seen: [Pane] = []
        for _ in Panes.all {
            seen.append(state.focus)
            _ = update(&state, .key(.tab))
        }
        #expect(seen == Panes.all.map { $0.pane } && state.focus == Panes.all[0].pane)
        _ = update(&state, .key(.backTab))
        #expect(state.focus == Panes.all.last?.pane)
    }

    @Test func everyPaneFolderIsRegisteredAndEveryBindingIsNamedOnce() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/App/Panes").path
        let folders = try FileManager.default.contentsOfDirectory(atPath: folder).filter { !$0.hasSuffix(".swift") }
        #expect(folders.count == Panes.all.count, "folders: \(folders.sorted())")
        let ids = Keymap.bindings.map(\.id)
        #expect(Set(ids).count == ids.count, "a binding id is used twice")
        // Within one pane (and among the global keys) a key means one thing.
        for pane in Panes.all.map({ $0.pane }) {
            let keys = Keymap.bindings.filter { $0.pane == pane || $0.pane == nil }.flatMap(\.keys)
            #expect(Set(keys).count == keys.count, "a key is bound twice in \(pane)")
        }
    }

    @Test func aKeyOfAnotherPaneSaysWhichPanesItWorksIn() {
        var state = DashboardFixture.state()
        _ = update(&state, .key(.character("4")))  // labs
        _ = update(&state, .key(.character("d")))
        #expect(state.status?.text == "shut down (asks) works on virtual machines, containers and networks: press 1, 2 or 5")
        _ = update(&state, .key(.character("L")))
        #expect(state.status?.text.hasSuffix("works on disk images: press 3") == true)
    }
}
