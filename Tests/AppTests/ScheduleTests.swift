import Inventory
import Testing
import TestTags
@testable import App

/// What is due when, decided by `update` on a clock the test moves (`.tick(now:)`).
@Suite(.tags(.pure)) struct ScheduleTests {
    static let uri = "qemu:///system", other = "qemu+ssh://pc02/system"

    static func fresh(_ connections: [String] = [uri]) -> AppState {
        var state = AppState(uri: connections[0], isDemo: false, readOnly: false, refreshInterval: 2,
                             moreConnections: Array(connections.dropFirst()))
        state.now = 100
        return state
    }

    static func machineWork(_ effects: [Effect]) -> [Effect] {
        effects.filter { if case .paceEngine = $0 { false } else { true } }
    }

    @Test func everyConnectionConnectsFirstThenRefreshesAtItsInterval() {
        var state = Self.fresh([Self.uri, Self.other])
        #expect(Self.machineWork(update(&state, .tick(now: 100))) == [.connect(connection: Self.uri), .connect(connection: Self.other)])
        #expect(Self.machineWork(update(&state, .tick(now: 100.5))).isEmpty, "nothing twice while connecting")
        #expect(update(&state, .reconnected(connection: Self.uri)) == [.refreshMachines(connection: Self.uri)])
        #expect(update(&state, .tick(now: 101)).isEmpty, "one refresh at a time")
        _ = update(&state, .refreshDone(connection: Self.uri))
        #expect(state.schedule.nextWake(after: 101.75) { $0 == Self.uri } == 102.5, "the loop sleeps until the next is due")
        #expect(update(&state, .tick(now: 102.4)).isEmpty)
        #expect(update(&state, .tick(now: 102.5)) == [.refreshMachines(connection: Self.uri)], "2 s after the last began")
        #expect(state.schedule.nextWake(after: 102.5) { $0 == Self.uri } == 103.5, "a second at most")
    }

    @Test func aFailedConnectionIsRetriedWithDoublingBackoffUpToTheLimit() {
        var state = Self.fresh()
        state.schedule.backoff = .init(first: 1, limit: 4)
        state.schedule.links[Self.uri]?.retryIn = 1
        _ = update(&state, .tick(now: 100))
        var retries: [Double] = []
        for _ in 1...4 {
            _ = update(&state, .connectionFailed(connection: Self.uri, "Connection refused"))
            guard case .lost(let message, let at)? = state.links[Self.uri] else { Issue.record("not lost"); return }
            #expect(message == "Connection refused")
            retries.append(at - state.now)
            #expect(update(&state, .tick(now: at - 0.01)).isEmpty, "not before its time")
            #expect(update(&state, .tick(now: at)) == [.connect(connection: Self.uri)])
        }
        #expect(retries == [1, 2, 4, 4])
        _ = update(&state, .reconnected(connection: Self.uri))
        _ = update(&state, .connectionFailed(connection: Self.uri, "End of file"))
        guard case .lost(_, let at)? = state.links[Self.uri] else { Issue.record("not lost"); return }
        #expect(at - state.now == 1, "a connection that came back starts its back-off again")
    }

    @Test func anOpenClassIsReadAgainEveryTenSeconds() {
        var state = Self.fresh()
        #expect(!update(&state, .tick(now: 100)).contains(.loadClass), "no class open")
        state.schedule.classOpen = true
        #expect(update(&state, .tick(now: 100)).contains(.loadClass))
        #expect(!update(&state, .tick(now: 105)).contains(.loadClass), "one read at a time")
        _ = update(&state, .classFailed("gradebook.sqlite is locked"))
        #expect(!update(&state, .tick(now: 114.9)).contains(.loadClass), "ten seconds after the last read ended")
        #expect(update(&state, .tick(now: 115)).contains(.loadClass))
    }

    @Test func theEngineIsPacedByThePaneInView() {
        var state = Self.fresh()
        state.schedule.engineInterval = state.engineInterval
        #expect(state.engineInterval == 5, "in the background: at most every 5 s")
        #expect(update(&state, .key(.character("2"))).contains(.paceEngine(interval: 2, sampleNow: true)),
                "the Containers pane shown: a sample now, then at the refresh interval")
        #expect(update(&state, .key(.character("1"))).contains(.paceEngine(interval: 5, sampleNow: false)))
        #expect(!update(&state, .key(.character("3"))).contains { if case .paceEngine = $0 { true } else { false } })
    }

    @Test func severalVMsAreSummedUpAndTheirCommonSnapshotsFound() {
        var state = Self.fresh()
        _ = update(&state, .manyPerformed(.start, total: 3, failed: [], refused: 0))
        #expect(state.status?.text == "start: 3 of 3 VMs done" && state.status?.level == .info)
        _ = update(&state, .manyPerformed(.start, total: 3, failed: ["db1"], refused: 2))
        #expect(state.status?.text == "start: 2 of 5 VMs done; failed: db1; left out: 2 (the Log, 7, says why)")
        let node = { (name: String) in
            SnapshotNode(name: name, parent: nil, isCurrent: false, isExternal: false, state: "running", created: nil,
                         description: nil)
        }
        let refs = [MachineRef(MachineKey(connection: Self.uri, uuid: "a"), "a"), MachineRef(MachineKey(connection: Self.uri, uuid: "b"), "b")]
        _ = update(&state, .snapshotsListed(refs, [[node("clean"), node("a-only")], [node("b-only"), node("clean")]]))
        guard let picker = state.modal as? SnapshotPickerDialog else { Issue.record("no picker"); return }
        #expect(picker.snapshots.map(\.name) == ["clean"])
    }
}
