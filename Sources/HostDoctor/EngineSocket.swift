import Foundation

/// Whether a Docker-compatible engine listens on a Unix socket. This only connects; talking the Engine API
/// is the container layer's job.
public struct EngineSocket: Sendable, Equatable, Codable {
    public let path: String
    public let accepts: Bool
    public let problem: String?

    /// `DOCKER_HOST=unix://...` first, then Podman's and Docker's usual sockets.
    public static func candidates(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        var paths: [String] = []
        if let host = environment["DOCKER_HOST"], host.hasPrefix("unix://") { paths.append(String(host.dropFirst(7))) }
        if let runtime = environment["XDG_RUNTIME_DIR"] { paths.append("\(runtime)/podman/podman.sock") }
        paths += ["/run/podman/podman.sock", "/var/run/docker.sock"]
        var seen = Set<String>()
        return paths.filter { seen.insert($0).inserted }
    }

    public static func probe(path: String) -> EngineSocket {
        guard FileManager.default.fileExists(atPath: path) else {
            return EngineSocket(path: path, accepts: false, problem: "\(path) does not exist")
        }
        switch connect(path: path) {
        case .success(let fd):
            close(fd)
            return EngineSocket(path: path, accepts: true, problem: nil)
        case .failure(let problem):
            return EngineSocket(path: path, accepts: false, problem: problem.description)
        }
    }

    public struct ConnectFailure: Error, CustomStringConvertible {
        public let description: String
    }

    /// A connected stream socket to `path`; the caller owns (and closes) the descriptor.
    public static func connect(path: String) -> Result<Int32, ConnectFailure> {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(ConnectFailure(description: String(cString: strerror(errno)))) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.utf8.count < capacity else {
            close(fd)
            return .failure(ConnectFailure(description: "socket path is too long"))
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8)
            raw[path.utf8.count] = 0
        }
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard status == 0 else {
            let problem = "connect: \(String(cString: strerror(errno)))"
            close(fd)
            return .failure(ConnectFailure(description: problem))
        }
        return .success(fd)
    }
}
