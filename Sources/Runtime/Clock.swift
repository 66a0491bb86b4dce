import Dispatch

/// Time as the runtime sees it, a port like the others: the system's monotonic clock in the product, a fake that
/// moves only when a test says so in the tests (which then never wait on the wall clock, however loaded the
/// machine).
public protocol RuntimeClock: Sendable {
    /// Seconds on a monotonic scale (not the time of day).
    var now: Double { get }
    /// Returns once `now` has reached `deadline`; throws CancellationError if the task is cancelled first.
    func sleep(until deadline: Double) async throws
}

/// The system's monotonic clock.
public struct SystemClock: RuntimeClock {
    public init() {}

    public var now: Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    public func sleep(until deadline: Double) async throws {
        let seconds = deadline - now
        if seconds > 0 { try await Task.sleep(for: .seconds(seconds)) }
    }
}
