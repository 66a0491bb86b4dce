import Foundation

/// Blocking work (a process, a libvirt call, a file read) runs on a thread of its own and is awaited: a check
/// waiting for `sleep 30` in a guest, or a class host that takes a minute to grade, holds no thread of Swift's
/// cooperative pool.
public enum OwnThread {
    public static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: body()) }
        }
    }
}
