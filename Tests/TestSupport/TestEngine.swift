import ContainerKit
import Foundation

/// The real Podman service `make test` starts (`.ci/start-services`) and the offline busybox image it imports
/// (`.ci/build-test-image`). Without them these tests fail loudly, never skip.
public enum TestEngine {
    public static let socketPath = "/run/podman/podman.sock"
    public static let image = "localhost/virtlab-busybox:latest"
    public static let environment = ["DOCKER_HOST": "unix://\(socketPath)"]

    public static func connect() async throws -> EngineClient {
        do {
            let (client, _) = try await EngineClient.connect(environment: environment)
            return client
        } catch {
            throw QEMUTestGuest.Unavailable(description: "LOUD: no container engine at \(socketPath) (\(error)): "
                + "run 'make test' or .ci/start-services and .ci/build-test-image")
        }
    }

    /// A running container that sleeps; removed by `cleanUp`.
    public static func runSleeper(_ client: EngineClient, name: String) async throws -> String {
        let id = try await client.create(ContainerSpec(name: name, image: image, command: ["sleep", "3600"]))
        try await client.start(id)
        return id
    }

    public static func cleanUp(_ name: String) async {
        guard let client = try? await connect() else { return }
        try? await client.remove(name, force: true)
    }

    /// Runs `body`, then removes the named containers whether it passed, failed or threw: awaited, so none
    /// outlives the test process (a busy one left running would skew every later measurement).
    public static func removing<T>(_ names: String..., after body: () async throws -> T) async throws -> T {
        do {
            let result = try await body()
            for name in names { await cleanUp(name) }
            return result
        } catch {
            for name in names { await cleanUp(name) }
            throw error
        }
    }
}

/// A Unix socket served by socat that answers every request with `response` (raw bytes, HTTP or not): a
/// stand-in for something that is not a container engine.
public final class FakeSocketServer: @unchecked Sendable {
    public let path: String
    private let pid: pid_t

    public init(response: String) throws {
        path = NSTemporaryDirectory() + "vl-fake-\(UUID().uuidString.prefix(8)).sock"
        let script = NSTemporaryDirectory() + "vl-fake-\(UUID().uuidString.prefix(8)).txt"
        try response.write(toFile: script, atomically: true, encoding: .utf8)
        // Reads the request's head before answering: an answer written while the client is still sending its
        // request is something a loaded machine turns into a different error.
        let handler = script + ".sh"
        try """
            cr=$(printf '\\r')
            while IFS= read -r line; do [ "$line" = "$cr" ] || [ -z "$line" ] && break; done
            cat \(script)
            sleep 0.2
            """.write(toFile: handler, atomically: true, encoding: .utf8)
        pid = try Run.spawn(["socat", "UNIX-LISTEN:\(path),fork", "SYSTEM:sh \(handler)"])
        // socat makes the socket once it runs, which a loaded machine delays by seconds: wait for the socket itself.
        let deadline = ContinuousClock.now + .seconds(60)
        while !FileManager.default.fileExists(atPath: path) && ContinuousClock.now < deadline { usleep(20_000) }
    }

    deinit {
        _ = try? Run.command(["pkill", "-KILL", "-P", "\(pid)"])
        kill(pid, SIGKILL)
        Run.wait(for: pid)
        try? FileManager.default.removeItem(atPath: path)
    }
}
