/// A thread of its own for blocking work that must happen one call at a time, in order (one libvirt connection's
/// C calls): the caller awaits the answer, and no thread of Swift's cooperative pool (two on a 2-core host) is held
/// while it blocks. It is also a serial executor: an actor whose `unownedExecutor` is a lane runs on its thread.
public final class Lane: SerialExecutor, Sendable {
    private let threads: WorkerThreads

    /// `name` (at most 15 characters, the kernel's limit) names the thread where `top -H`, `perf` and
    /// /proc/thread-self/comm show it.
    public init(name: String) { threads = WorkerThreads(name: name, limit: 1) }

    /// Runs `body` on the lane's thread and returns what it returns.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T { try await threads.run(body) }

    /// Runs `body` on the lane's thread and returns what it returns.
    public func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T { await threads.run(body) }

    /// Lets the thread end once the work already queued is done.
    public func stop() { threads.stop() }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        threads.submit { job.runSynchronously(on: self.asUnownedSerialExecutor()) }
    }
}
