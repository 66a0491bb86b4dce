import Foundation

/// Which engine answers, and the API it speaks, as its `GET /_ping` headers say.
public struct EngineVersion: Sendable, Equatable {
    /// "Docker Engine" or "Podman Engine"; "container engine" for another that speaks the API.
    public let product: String
    public let version: String
    public let apiVersion: String

    /// `headers` with lowercased names. `Server` is "Docker/24.0.7 (linux)" or "Libpod/4.3.1 (linux)".
    init?(pingHeaders headers: [String: String]) {
        guard let api = headers["api-version"], !api.isEmpty else { return nil }
        let server = (headers["server"] ?? "").split(separator: " ").first.map(String.init) ?? ""
        let name = server.split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
        let version = server.split(separator: "/", maxSplits: 1).dropFirst().first.map(String.init)
        self.product = switch name.lowercased() {
        case "docker": "Docker Engine"
        case "libpod": "Podman Engine"
        default: "container engine"
        }
        self.version = version ?? headers["libpod-api-version"] ?? "(version unknown)"
        self.apiVersion = api
    }
}

public enum ContainerState: String, Sendable, Equatable, CaseIterable {
    case created, running, paused, restarting, stopping, removing, exited, dead, unknown

    public init(engineValue: String) { self = ContainerState(rawValue: engineValue.lowercased()) ?? .unknown }
    public var isRunning: Bool { self == .running }
}

public struct PortMapping: Sendable, Equatable, Decodable {
    public let ip: String?
    public let privatePort: Int
    public let publicPort: Int?
    public let type: String

    enum CodingKeys: String, CodingKey { case ip = "IP", privatePort = "PrivatePort", publicPort = "PublicPort",
                                          type = "Type" }

    public init(ip: String?, privatePort: Int, publicPort: Int?, type: String) {
        self.ip = ip
        self.privatePort = privatePort
        self.publicPort = publicPort
        self.type = type
    }

    /// `0.0.0.0:8080->80/tcp`, or `80/tcp` when not published, as `docker ps` shows it.
    public var label: String {
        guard let publicPort else { return "\(privatePort)/\(type)" }
        return "\(ip.map { $0.isEmpty ? "" : "\($0):" } ?? "")\(publicPort)->\(privatePort)/\(type)"
    }
}

/// One entry of `GET /containers/json`.
public struct ContainerSummary: Sendable, Equatable, Decodable {
    public let id: String
    public let name: String
    public let image: String
    public let command: String
    public let created: Date
    public let state: ContainerState
    /// The engine's words, e.g. "Up 3 minutes" or "Exited (0) 2 hours ago".
    public let status: String
    public let ports: [PortMapping]
    /// Its labels, e.g. `virtlab.lab` on the containers a lab's environment made.
    public let labels: [String: String]

    enum CodingKeys: String, CodingKey {
        case id = "Id", names = "Names", image = "Image", command = "Command", created = "Created", state = "State",
             status = "Status", ports = "Ports", labels = "Labels"
    }

    public init(id: String, name: String, image: String, command: String = "", created: Date, state: ContainerState,
                status: String = "", ports: [PortMapping] = [], labels: [String: String] = [:]) {
        self.id = id
        self.name = name
        self.image = image
        self.command = command
        self.created = created
        self.state = state
        self.status = status
        self.ports = ports
        self.labels = labels
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        let names = try container.decodeIfPresent([String].self, forKey: .names) ?? []
        // The API prefixes names with "/" (a relic of links); users never type it.
        name = names.first.map { $0.hasPrefix("/") ? String($0.dropFirst()) : $0 } ?? String(id.prefix(12))
        image = try container.decodeIfPresent(String.self, forKey: .image) ?? ""
        command = try container.decodeIfPresent(String.self, forKey: .command) ?? ""
        created = Date(timeIntervalSince1970: try container.decodeIfPresent(Double.self, forKey: .created) ?? 0)
        state = ContainerState(engineValue: try container.decodeIfPresent(String.self, forKey: .state) ?? "")
        status = try container.decodeIfPresent(String.self, forKey: .status) ?? ""
        ports = try container.decodeIfPresent([PortMapping].self, forKey: .ports) ?? []
        labels = try container.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
    }
}

/// Cumulative counters from one `GET /containers/ID/stats?stream=false&one-shot=true`.
public struct ContainerStats: Sendable, Equatable, Decodable {
    public let cpuTimeNs: UInt64
    public let onlineCPUs: Int
    public let memoryBytes: UInt64
    public let memoryLimitBytes: UInt64
    public let netRxBytes: UInt64
    public let netTxBytes: UInt64
    public let blockReadBytes: UInt64
    public let blockWriteBytes: UInt64

    public init(cpuTimeNs: UInt64, onlineCPUs: Int, memoryBytes: UInt64, memoryLimitBytes: UInt64,
                netRxBytes: UInt64 = 0, netTxBytes: UInt64 = 0, blockReadBytes: UInt64 = 0, blockWriteBytes: UInt64 = 0) {
        self.cpuTimeNs = cpuTimeNs
        self.onlineCPUs = onlineCPUs
        self.memoryBytes = memoryBytes
        self.memoryLimitBytes = memoryLimitBytes
        self.netRxBytes = netRxBytes
        self.netTxBytes = netTxBytes
        self.blockReadBytes = blockReadBytes
        self.blockWriteBytes = blockWriteBytes
    }

    private struct Raw: Decodable {
        struct CPU: Decodable {
            struct Usage: Decodable { let total_usage: UInt64? }
            let cpu_usage: Usage?
            let online_cpus: Int?
        }
        struct Memory: Decodable { let usage: UInt64?; let limit: UInt64? }
        struct Network: Decodable { let rx_bytes: UInt64?; let tx_bytes: UInt64? }
        struct Block: Decodable {
            struct Entry: Decodable { let op: String; let value: UInt64 }
            let io_service_bytes_recursive: [Entry]?
        }
        let cpu_stats: CPU?
        let memory_stats: Memory?
        let networks: [String: Network]?
        let blkio_stats: Block?
    }

    public init(from decoder: Decoder) throws {
        let raw = try Raw(from: decoder)
        let blockEntries = raw.blkio_stats?.io_service_bytes_recursive ?? []
        // Docker says "read", Podman "Read".
        let block = { (op: String) in
            blockEntries.filter { $0.op.lowercased() == op }.reduce(UInt64(0)) { $0 &+ $1.value }
        }
        let networks = raw.networks.map { Array($0.values) } ?? []
        self.init(cpuTimeNs: raw.cpu_stats?.cpu_usage?.total_usage ?? 0,
                  onlineCPUs: raw.cpu_stats?.online_cpus ?? 0,
                  memoryBytes: raw.memory_stats?.usage ?? 0,
                  memoryLimitBytes: raw.memory_stats?.limit ?? 0,
                  netRxBytes: networks.reduce(0) { $0 &+ ($1.rx_bytes ?? 0) },
                  netTxBytes: networks.reduce(0) { $0 &+ ($1.tx_bytes ?? 0) },
                  blockReadBytes: block("read"), blockWriteBytes: block("write"))
    }
}

/// One entry of `GET /images/json`.
public struct ContainerImage: Sendable, Equatable, Decodable {
    public let id: String
    /// `repository:tag` names; empty for a dangling image.
    public let tags: [String]
    public let sizeBytes: UInt64
    public let created: Date

    enum CodingKeys: String, CodingKey { case id = "Id", tags = "RepoTags", size = "Size", created = "Created" }

    public init(id: String, tags: [String], sizeBytes: UInt64, created: Date) {
        self.id = id
        self.tags = tags
        self.sizeBytes = sizeBytes
        self.created = created
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        tags = (try container.decodeIfPresent([String].self, forKey: .tags) ?? []).filter { $0 != "<none>:<none>" }
        sizeBytes = try container.decodeIfPresent(UInt64.self, forKey: .size) ?? 0
        created = Date(timeIntervalSince1970: try container.decodeIfPresent(Double.self, forKey: .created) ?? 0)
    }

    /// The short id without its `sha256:` prefix, as `docker images` shows it.
    public var shortID: String {
        let bare = id.hasPrefix("sha256:") ? id.dropFirst(7) : Substring(id)
        return String(bare.prefix(12))
    }
}

/// What a finished non-interactive exec printed and returned.
public struct ExecResult: Sendable, Equatable {
    public let exitCode: Int32
    public let stdout: String
    public let stderr: String
    /// True when output went past the cap and was cut.
    public let truncated: Bool
}

/// What to create: the smallest useful subset of the API's container config.
public struct ContainerSpec: Sendable, Equatable {
    public var name: String
    public var image: String
    public var command: [String]
    /// Keep stdin open with a terminal, as `docker run -it` does: an OS container that waits for a shell.
    public var interactive: Bool
    public var labels: [String: String]
    public var ports: [PortToPublish]
    /// Bind mounts and named volumes, as `-v` takes them: `/srv/site:/usr/share/html:ro`, `data:/var/lib/data`.
    public var volumes: [String]

    public init(name: String, image: String, command: [String] = [], interactive: Bool = false, labels: [String: String] = [:],
                ports: [PortToPublish] = [], volumes: [String] = []) {
        self.name = name
        self.image = image
        self.command = command
        self.interactive = interactive
        self.labels = labels
        self.ports = ports
        self.volumes = volumes
    }

}

/// A container port published on the host, as `-p IP:HOSTPORT:PORT/PROTO` says it.
public struct PortToPublish: Sendable, Equatable {
    /// Empty: every address.
    public let hostIP: String
    public let hostPort: Int
    public let port: Int
    /// tcp or udp.
    public let proto: String

    public init(hostIP: String = "", hostPort: Int, port: Int, proto: String = "tcp") {
        (self.hostIP, self.hostPort, self.port, self.proto) = (hostIP, hostPort, port, proto)
    }
}
