import ContainerKit
import Foundation

/// One container at one moment; running ones carry cumulative counters from which rates are derived.
public struct ContainerSample: Sendable, Equatable {
    public let key: MachineKey
    public let summary: ContainerSummary
    /// Nil when the container is not running, or its stats could not be read this time.
    public let stats: ContainerStats?

    public init(key: MachineKey, summary: ContainerSummary, stats: ContainerStats?) {
        self.key = key
        self.summary = summary
        self.stats = stats
    }

    public var name: String { summary.name }
    public var state: ContainerState { summary.state }
}

/// Everything one refresh learned from one container engine.
public struct EngineSnapshot: Sendable, Equatable {
    public let endpoint: String
    public let engine: EngineVersion
    /// Seconds on a monotonic clock, for rates.
    public let time: Double
    public let containers: [ContainerSample]
    public let images: [ContainerImage]

    public init(endpoint: String, engine: EngineVersion, time: Double, containers: [ContainerSample],
                images: [ContainerImage]) {
        self.endpoint = endpoint
        self.engine = engine
        self.time = time
        self.containers = containers
        self.images = images
    }
}

/// Collects engine snapshots: the list, then every running container's stats at once.
public struct EngineInventory: Sendable {
    public let client: EngineClient
    public let engine: EngineVersion

    public init(client: EngineClient, engine: EngineVersion) {
        self.client = client
        self.engine = engine
    }

    public func snapshot() async throws -> EngineSnapshot {
        async let summaries = client.containers()
        async let images = client.images()
        let containers = try await summaries
        // One slow or vanishing container must not hold up or fail the rest: its numbers are just missing.
        let stats = await withTaskGroup(of: (String, ContainerStats?).self) { group in
            for container in containers where container.state.isRunning {
                group.addTask { (container.id, try? await client.stats(container.id)) }
            }
            var result: [String: ContainerStats] = [:]
            for await (id, stat) in group { result[id] = stat }
            return result
        }
        let endpoint = client.endpoint.uri
        return EngineSnapshot(
            endpoint: endpoint, engine: engine, time: Double(DispatchTime.now().uptimeNanoseconds) / 1e9,
            containers: containers.map {
                ContainerSample(key: MachineKey(connection: endpoint, uuid: $0.id), summary: $0, stats: stats[$0.id])
            },
            images: try await images)
    }
}

extension ContainerSample: CounterSample {
    public var isActive: Bool { state.isRunning && stats != nil }
    public var cpuTimeNs: UInt64 { stats?.cpuTimeNs ?? 0 }
    public var diskReadBytes: UInt64 { stats?.blockReadBytes ?? 0 }
    public var diskWriteBytes: UInt64 { stats?.blockWriteBytes ?? 0 }
    public var netRxBytes: UInt64 { stats?.netRxBytes ?? 0 }
    public var netTxBytes: UInt64 { stats?.netTxBytes ?? 0 }
}
