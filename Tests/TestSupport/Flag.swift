import Synchronization

/// Something that happened, set from one thread and read from another (the end of a run, a task's finish).
public final class Flag: Sendable {
    private let value = Mutex(false)
    public init() {}
    public func raise() { value.withLock { $0 = true } }
    public var isRaised: Bool { value.withLock { $0 } }
}
