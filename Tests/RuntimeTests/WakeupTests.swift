import Foundation
import Testing
import TestTags
@testable import Runtime

/// The engine sampler's wait: it ends at its time or at a wake, and sleeps in between.
@Suite(.tags(.pure)) struct WakeupTests {
    final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var raised = false
        var isRaised: Bool { lock.withLock { raised } }
        func raise() { lock.withLock { raised = true } }
    }

    let clock = FakeClock()

    /// A task waiting on `wakeup` for `seconds` of the fake clock, and a flag raised when its wait ends.
    private func waiting(on wakeup: Wakeup, seconds: Double) -> (task: Task<Void, Never>, ended: Flag) {
        let ended = Flag()
        let deadline = clock.now + seconds
        let task = Task { [clock] in
            await wakeup.wait(until: deadline, on: clock)
            ended.raise()
        }
        return (task, ended)
    }

    @Test func aWaitEndsAtItsTime() async {
        let short = waiting(on: Wakeup(), seconds: 5)
        #expect(await eventually("the wait is asleep on the clock") { clock.sleeping == 1 })
        clock.advance(by: 4.99)
        #expect(clock.sleeping == 1 && !short.ended.isRaised, "the wait ended before its time")
        clock.advance(by: 0.01)
        #expect(await eventually("the wait ended at its time") { short.ended.isRaised })
    }

    @Test func aWakeEndsALongWaitAndOneWithNobodyWaitingIsKept() async {
        let wakeup = Wakeup()
        let first = waiting(on: wakeup, seconds: 3600)
        // Woken until it ends: a wake before its wait began is kept, so either way it ends.
        #expect(await eventually("an hour's wait woken") {
            wakeup.wake()
            return first.ended.isRaised
        })
        wakeup.wake()  // nobody waits now: kept for the next wait, which then ends at once
        let second = waiting(on: wakeup, seconds: 3600)
        #expect(await eventually("the kept wake ended the next wait") { second.ended.isRaised })
    }

    @Test func aCancelledWaitEnds() async {
        let long = waiting(on: Wakeup(), seconds: 3600)
        long.task.cancel()
        #expect(await eventually("the cancelled wait ended") { long.ended.isRaised })
    }
}
