import Foundation

/// A container's state, in the engine's words (`docker ps` shows the same).
public enum ContainerRunState: String, Sendable, Equatable, CaseIterable {
    case created, running, paused, restarting, stopping, removing, exited, dead, unknown

    public var isRunning: Bool { self == .running }
}

/// What a running container uses: cumulative counters, from which rates are derived, and its memory.
public struct ContainerUsage: Sendable, Equatable {
    public let cpuTimeNs: UInt64
    public let memoryBytes: UInt64
    /// 0 when the container has no limit.
    public let memoryLimitBytes: UInt64
    public let netRxBytes: UInt64
    public let netTxBytes: UInt64
    public let blockReadBytes: UInt64
    public let blockWriteBytes: UInt64

    public init(cpuTimeNs: UInt64, memoryBytes: UInt64, memoryLimitBytes: UInt64, netRxBytes: UInt64 = 0,
                netTxBytes: UInt64 = 0, blockReadBytes: UInt64 = 0, blockWriteBytes: UInt64 = 0) {
        self.cpuTimeNs = cpuTimeNs
        self.memoryBytes = memoryBytes
        self.memoryLimitBytes = memoryLimitBytes
        self.netRxBytes = netRxBytes
        self.netTxBytes = netTxBytes
        self.blockReadBytes = blockReadBytes
        self.blockWriteBytes = blockWriteBytes
    }
}

/// One container at one moment.
public struct ContainerSample: Sendable, Equatable {
    public let key: MachineKey
    public let id: String
    public let name: String
    public let image: String
    public let command: String
    public let created: Date
    public let state: ContainerRunState
    /// The engine's own words: "Up 5 minutes", "Exited (0) 1 hour ago".
    public let status: String
    /// Published ports as `docker ps` shows them: "0.0.0.0:8080->80/tcp".
    public let ports: [String]
    /// Nil when the container is not running, or its numbers could not be read this time.
    public let usage: ContainerUsage?

    public init(key: MachineKey, id: String, name: String, image: String, command: String, created: Date,
                state: ContainerRunState, status: String, ports: [String], usage: ContainerUsage?) {
        self.key = key
        self.id = id
        self.name = name
        self.image = image
        self.command = command
        self.created = created
        self.state = state
        self.status = status
        self.ports = ports
        self.usage = usage
    }
}

/// A container image the engine holds.
public struct ContainerImageSample: Sendable, Equatable {
    public let id: String
    public let tags: [String]
    public let sizeBytes: UInt64
    public let created: Date

    public init(id: String, tags: [String], sizeBytes: UInt64, created: Date) {
        self.id = id
        self.tags = tags
        self.sizeBytes = sizeBytes
        self.created = created
    }

    /// The first 12 hex digits, as `docker images` shows it.
    public var shortID: String {
        let bare = id.hasPrefix("sha256:") ? id.dropFirst(7) : Substring(id)
        return String(bare.prefix(12))
    }
}

/// Which engine answers: "Podman Engine 4.3.1".
public struct EngineSample: Sendable, Equatable {
    public let product: String
    public let version: String
    public init(product: String, version: String) {
        self.product = product
        self.version = version
    }
}

/// Everything one refresh learned from one container engine.
public struct EngineSnapshot: Sendable, Equatable {
    public let endpoint: String
    public let engine: EngineSample
    /// Seconds on a monotonic clock, for rates.
    public let time: Double
    public let containers: [ContainerSample]
    public let images: [ContainerImageSample]

    public init(endpoint: String, engine: EngineSample, time: Double, containers: [ContainerSample],
                images: [ContainerImageSample]) {
        self.endpoint = endpoint
        self.engine = engine
        self.time = time
        self.containers = containers
        self.images = images
    }
}

extension ContainerSample: CounterSample {
    public var isActive: Bool { state.isRunning && usage != nil }
    public var cpuTimeNs: UInt64 { usage?.cpuTimeNs ?? 0 }
    public var diskReadBytes: UInt64 { usage?.blockReadBytes ?? 0 }
    public var diskWriteBytes: UInt64 { usage?.blockWriteBytes ?? 0 }
    public var netRxBytes: UInt64 { usage?.netRxBytes ?? 0 }
    public var netTxBytes: UInt64 { usage?.netTxBytes ?? 0 }
    public var countersMeasured: Bool { true }
}
