import Foundation

/// Waits for async work from synchronous code: command-line commands and lab checks (each on a thread of
/// its own) call the async engine client through this. Never call it on a task's own executor.
public func runBlocking<T: Sendable>(_ body: @escaping @Sendable () async -> T) -> T {
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
