import Foundation
import HostDoctor

/// Which Unix socket speaks for the container engine.
public struct EngineEndpoint: Sendable, Equatable {
    public let socketPath: String

    public init(socketPath: String) { self.socketPath = socketPath }

    public var uri: String { "unix://\(socketPath)" }

    /// `DOCKER_HOST` when set (and then only it, as the docker CLI does), else the first usual socket that accepts
    /// a connection: Podman's (rootless, then system) and Docker's.
    public static func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws
        -> EngineEndpoint
    {
        if let host = environment["DOCKER_HOST"], !host.isEmpty {
            guard host.hasPrefix("unix://"), host.count > 7 else {
                throw EngineError(.noEngine, "DOCKER_HOST=\(host) is not a Unix socket; virtlab talks to engines "
                    + "over unix:// sockets only (e.g. DOCKER_HOST=unix:///run/podman/podman.sock)")
            }
            return EngineEndpoint(socketPath: String(host.dropFirst(7)))
        }
        var tried = environment
        tried["DOCKER_HOST"] = nil
        let candidates = EngineSocket.candidates(environment: tried)
        if let found = candidates.first(where: { EngineSocket.probe(path: $0).accepts }) {
            return EngineEndpoint(socketPath: found)
        }
        throw EngineError(.noEngine, "no container engine answers on \(candidates.joined(separator: ", ")); start "
            + "one (`podman system service --time=0 &` or Docker) or set DOCKER_HOST=unix://PATH")
    }
}
