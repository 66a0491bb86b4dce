import Foundation

/// A Unix-socket proxy (socat) in front of a daemon's socket: stopping it is, for a client, the daemon
/// going away; starting it again is the daemon coming back. Lets tests cut a connection without touching
/// the shared daemon other tests use.
public final class SocketProxy {
    public let path = "/tmp/virtlab-proxy-\(UUID().uuidString.prefix(8)).sock"
    let target: String
    var pid: pid_t?

    public init(target: String) throws {
        self.target = target
        try start()
    }

    public func start() throws {
        try? FileManager.default.removeItem(atPath: path)
        pid = try Run.spawn(["socat", "UNIX-LISTEN:\(path),fork", "UNIX-CONNECT:\(target)"])
        // A loaded machine delays socat by seconds: wait for its socket itself.
        let deadline = ContinuousClock.now + .seconds(60)
        while !FileManager.default.fileExists(atPath: path) && ContinuousClock.now < deadline { usleep(20_000) }
    }

    /// Stops the proxy and every connection it forwards (socat forks one child per connection).
    public func stop() {
        guard let pid else { return }
        _ = try? Run.command(["pkill", "-KILL", "-P", "\(pid)"])
        kill(pid, SIGKILL)
        Run.wait(for: pid)
        self.pid = nil
        try? FileManager.default.removeItem(atPath: path)
    }

    deinit { stop() }
}
