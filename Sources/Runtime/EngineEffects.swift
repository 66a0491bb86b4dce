import App
import Foundation

/// The container engine: sampled by a task of its own at the pace `update` sets, its actions as tasks.
extension DashboardRuntime {
    /// Connects to the engine and samples it at its pace; when there is none (or it goes away) the Containers
    /// pane says why, and connecting is retried with the schedule's back-off.
    func startEngine() {
        let containers = containers, policy = state.schedule.backoff
        engineTask = Task.detached { [weak self] in
            var backoff = policy.first
            while !Task.isCancelled, let self {
                do {
                    let engine = try await containers.connect()
                    logger.info("container engine: \(engine)")
                    backoff = policy.first
                    while !Task.isCancelled {
                        post(.engineSnapshot(try await containers.snapshot()))
                        // Asleep until its interval has passed or a sample is asked for (no wake-ups of its own).
                        await engineTurn.wait(until: clock.now + engineInterval.withLock { $0 }, on: clock)
                        try Task.checkCancellation()
                    }
                } catch is CancellationError {
                    return
                } catch {
                    let line = userLine(error)
                    logger.warning("container engine: \(line); retry in \(backoff) s")
                    post(.engineUnavailable(line))
                    try? await clock.sleep(until: clock.now + backoff)
                    backoff = min(backoff * 2, policy.limit)
                }
            }
        }
    }

    nonisolated func paceEngine(_ interval: Double, sampleNow: Bool) {
        engineInterval.withLock { $0 = interval }
        if sampleNow { engineTurn.wake() }
    }

    /// Runs `body` with the engine; a failure becomes one line in the status bar. What `body` returns is the
    /// action's outcome, logged with its command.
    nonisolated func onEngine(_ what: String, logged: (connection: String, what: String, command: String)?,
                  _ body: @escaping @Sendable (ContainerPort) async throws -> String?) {
        let containers = containers
        Task {
            do {
                if let line = try await body(containers) {
                    record(logged, .done(line))
                    post(.actionFinished(line))
                }
            } catch {
                let line = "\(what): \(userLine(error))"
                if logged == nil { logger.error("\(line)") }
                record(logged, .failed(line))
                post(.actionFailed(line))
            }
        }
    }
}
