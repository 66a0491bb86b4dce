import BlockingWork
import Foundation
import Synchronization
import Testing
import TestSupport
import TestTags

/// Blocking work runs on threads of virtlab's own: a pool that never grows past its bound, and lanes that keep
/// order and can carry an actor.
@Suite(.tags(.pure)) struct BlockingWorkTests {
    /// Work that blocks until the gate opens, counting how many are inside at once.
    final class Gate: Sendable {
        private let open = Mutex(false)
        private let counts = Mutex((inside: 0, most: 0))
        var inside: Int { counts.withLock { $0.inside } }
        var most: Int { counts.withLock { $0.most } }

        func pass() {
            counts.withLock { $0.inside += 1; $0.most = max($0.most, $0.inside) }
            while !open.withLock({ $0 }) { usleep(1000) }
            counts.withLock { $0.inside -= 1 }
        }

        func release() { open.withLock { $0 = true } }
    }

    @Test func thePoolRunsWorkSideBySideUpToItsBoundAndTheRestWaitsItsTurn() async {
        let pool = BlockingPool(name: "test.pool", threads: 3)
        let gate = Gate()
        let jobs = (0..<8).map { index in
            Task {
                await pool.run { gate.pass() }
                return index
            }
        }
        #expect(await eventually { gate.inside == 3 }, "three jobs run at once")
        gate.release()
        var done: [Int] = []
        for job in jobs { done.append(await job.value) }
        #expect(done == Array(0..<8))
        #expect(gate.most == 3, "the pool ran \(gate.most) jobs at once; its bound is 3")
    }

    @Test func aThrowingJobsErrorReachesTheCaller() async {
        struct Refused: Error {}
        await #expect(throws: Refused.self) { try await BlockingPool.shared.run { () throws -> Int in throw Refused() } }
    }

    @Test func aLaneRunsOneCallAtATimeOnItsOwnNamedThread() async {
        let lane = Lane(name: "test.lane")
        defer { lane.stop() }
        let gate = Gate()
        let jobs = (0..<3).map { _ in Task { await lane.run { gate.pass() } } }
        #expect(await eventually { gate.inside == 1 }, "a call is under way")
        gate.release()
        for job in jobs { await job.value }
        #expect(gate.most == 1, "the lane ran \(gate.most) calls at once")
        let name = await lane.run { (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? "" }
        #expect(name.trimmingCharacters(in: .whitespacesAndNewlines) == "test.lane")
    }

    actor Counter {
        nonisolated let lane: Lane
        private(set) var count = 0
        nonisolated var unownedExecutor: UnownedSerialExecutor { lane.asUnownedSerialExecutor() }
        init(lane: Lane) { self.lane = lane }

        func bump() -> String {
            count += 1
            return (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
        }
    }

    @Test func anActorOnALaneRunsOnTheLanesThread() async {
        let lane = Lane(name: "test.actor")
        defer { lane.stop() }
        let counter = Counter(lane: lane)
        var threads = Set<String>()
        for _ in 0..<10 { threads.insert(await counter.bump().trimmingCharacters(in: .whitespacesAndNewlines)) }
        #expect(threads == ["test.actor"])
        #expect(await counter.count == 10)
    }
}
