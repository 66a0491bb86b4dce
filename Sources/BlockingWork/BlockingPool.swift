/// Where blocking work that may run side by side goes (a process, a check's libvirt call, a file read, an ssh to
/// a class host): a bounded set of threads of its own, so a check waiting for `sleep 30` in a guest, or a class
/// host that takes a minute to answer, holds no thread of Swift's cooperative pool. Beyond the bound, work waits
/// its turn rather than starting a thread per call.
public final class BlockingPool: Sendable {
    /// The process's pool: enough threads for a class of a few dozen hosts graded at once.
    public static let shared = BlockingPool(name: "virtlab.block", threads: 48)

    private let threads: WorkerThreads

    public init(name: String, threads: Int) { self.threads = WorkerThreads(name: name, limit: threads) }

    public func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T { await threads.run(body) }

    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T { try await threads.run(body) }

    /// `BlockingPool.shared.run`.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T { await shared.run(body) }

    /// `BlockingPool.shared.run`.
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await shared.run(body)
    }
}
