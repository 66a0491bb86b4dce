import Synchronization

/// A wait that ends when its time is up or when `wake()` is called, whichever comes first, with no polling in
/// between. A wake while nobody waits is kept for the next wait (the Containers pane may come into view just as
/// the engine sampler starts to wait).
final class Wakeup: Sendable {
    private struct State {
        var waiter: CheckedContinuation<Void, Never>?
        var pending = false
        /// Counts waits, so a timer that fires late cannot end the wait after its own.
        var generation = 0
    }

    private let state = Mutex(State())

    func wait(until deadline: Double, on clock: RuntimeClock) async {
        let generation = state.withLock { state -> Int in
            state.generation += 1
            return state.generation
        }
        let timer = Task { [weak self] in
            guard (try? await clock.sleep(until: deadline)) != nil else { return }
            self?.resume(ifWaiting: generation)
        }
        defer { timer.cancel() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now = state.withLock { state -> Bool in
                    if state.pending {
                        state.pending = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            wake()
        }
    }

    func wake() {
        state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter
        }?.resume()
    }

    private func resume(ifWaiting generation: Int) {
        state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard state.generation == generation, let waiter = state.waiter else { return nil }
            state.waiter = nil
            return waiter
        }?.resume()
    }
}
