import Foundation

/// A thread of its own for blocking work (libvirt's C calls, a lab's setup processes): calls run there one
/// at a time, in order, and the caller awaits the answer. So blocking work never holds a thread of Swift's
/// cooperative pool (two threads on a 2-core host) nor the loop that reads the keys.
public final class Lane: Sendable {
    private let queue: WorkQueue

    /// `name` (at most 15 characters, the kernel's limit) names the thread where `top -H`, `perf` and
    /// /proc/thread-self/comm show it.
    public init(name: String) { queue = WorkQueue(name: name) }

    /// Runs `body` on the lane's thread and returns what it returns.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.submit { continuation.resume(with: Result { try body() }) }
        }
    }

    /// Runs `body` on the lane's thread and returns what it returns.
    public func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in queue.submit { continuation.resume(returning: body()) } }
    }

    /// Lets the thread end once the work already queued is done.
    public func stop() { queue.stop() }
}

/// One thread running submitted work in order.
private final class WorkQueue: @unchecked Sendable {
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var work: [@Sendable () -> Void] = []
    private var stopping = false

    init(name: String) {
        // Named from inside, through the kernel: on Linux, Foundation's `Thread.current.name` is at times not the
        // running thread's own (a name set through it does not always reach the thread).
        Thread { [self] in
            if let comm = FileHandle(forWritingAtPath: "/proc/thread-self/comm") {
                comm.write(Data(name.utf8))
                try? comm.close()
            }
            loop()
        }.start()
    }

    func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        work.append(job)
        condition.signal()
        condition.unlock()
    }

    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while work.isEmpty && !stopping { condition.wait() }
            if work.isEmpty {
                condition.unlock()
                return
            }
            let job = work.removeFirst()
            condition.unlock()
            job()
        }
    }
}
