import Foundation

/// Waits for async work from a synchronous command: the command line's subcommands run on the main thread
/// and wait here for the engine client or the grader. Nothing else uses it (the dashboard and the grader are
/// async throughout); never call it on a task's own executor.
func runBlocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
    let box = ResultBox<T>()
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        box.value = await body()
        done.signal()
    }
    done.wait()
    return box.value!
}

private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}
