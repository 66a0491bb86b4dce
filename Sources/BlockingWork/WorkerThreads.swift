import Foundation

/// Threads that run submitted work from one queue, in order of submission: at most `limit` at once, started
/// when work arrives and nobody is idle, kept for the next work after. One thread (`limit` 1) runs the work
/// strictly one after another. The shape of `Lane` and `BlockingPool`.
final class WorkerThreads: @unchecked Sendable {
    private let name: String
    private let limit: Int
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var work: [@Sendable () -> Void] = []
    private var started = 0
    private var idle = 0
    private var stopping = false

    init(name: String, limit: Int) {
        precondition(limit > 0, "a pool needs a thread")
        (self.name, self.limit) = (name, limit)
    }

    func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        work.append(job)
        let startOne = idle == 0 && started < limit
        if startOne { started += 1 }
        condition.signal()
        condition.unlock()
        if startOne { start() }
    }

    func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in submit { continuation.resume(returning: body()) } }
    }

    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in submit { continuation.resume(with: Result { try body() }) } }
    }

    /// Lets the threads end once the work already queued is done.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    private func start() {
        Thread { [self] in
            // Named from inside, through the kernel: on Linux, Foundation's `Thread.current.name` is at times not
            // the running thread's own. The kernel keeps 15 characters.
            if let comm = FileHandle(forWritingAtPath: "/proc/thread-self/comm") {
                comm.write(Data(name.utf8.prefix(15)))
                try? comm.close()
            }
            loop()
        }.start()
    }

    private func loop() {
        while true {
            condition.lock()
            idle += 1
            while work.isEmpty && !stopping { condition.wait() }
            idle -= 1
            if work.isEmpty {
                started -= 1
                condition.unlock()
                return
            }
            let job = work.removeFirst()
            condition.unlock()
            job()
        }
    }
}
