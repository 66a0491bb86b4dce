import BlockingWork

/// A value handed to another thread while its owner waits for that thread: never used by two at once.
private struct Handed<Value>: @unchecked Sendable { let value: Value }

/// Runs a blocking call (libvirt, virt-sysprep, a guest command) on a thread of its own and waits for it. Tests
/// share Swift's cooperative threads (two on a 2-core host): one held for minutes starves the tests beside it.
public func blocking<T>(_ body: @escaping () throws -> T) async throws -> T {
    let call = Handed(value: body)
    return try await BlockingPool.run { Handed(value: Result { try call.value() }) }.value.get()
}

/// `eventually` for a condition that blocks (a libvirt call, a guest agent's answer): each try runs off the
/// cooperative threads.
public func eventually(timeout: Duration = .seconds(60), every interval: Duration = .milliseconds(250),
                       _ condition: @escaping () throws -> Bool) async -> Bool {
    await eventually(timeout: timeout, every: interval) { () async throws -> Bool in try await blocking(condition) }
}
