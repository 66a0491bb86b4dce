import ContainerKit
import Foundation
import Inventory

/// Collects engine snapshots: the list, then every running container's stats at once.
public struct EngineProvider: Sendable {
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
            endpoint: endpoint, engine: EngineSample(product: engine.product, version: engine.version),
            time: Double(DispatchTime.now().uptimeNanoseconds) / 1e9,
            containers: containers.map { ContainerSample($0, usage: stats[$0.id], endpoint: endpoint) },
            images: try await images.map(ContainerImageSample.init))
    }
}

extension ContainerRunState {
    /// The engine's word for the state (the Docker API's and Podman's are the same).
    public init(_ state: ContainerState) { self = ContainerRunState(rawValue: state.rawValue) ?? .unknown }
}

extension ContainerSample {
    /// The engine's summary and stats, on the engine at `endpoint`.
    public init(_ summary: ContainerSummary, usage stats: ContainerStats?, endpoint: String) {
        self.init(key: MachineKey(connection: endpoint, uuid: summary.id), id: summary.id, name: summary.name,
                  image: summary.image, command: summary.command, created: summary.created,
                  state: ContainerRunState(summary.state), status: summary.status,
                  ports: summary.ports.map(\.label),
                  usage: stats.map {
                      ContainerUsage(cpuTimeNs: $0.cpuTimeNs, memoryBytes: $0.memoryBytes,
                                     memoryLimitBytes: $0.memoryLimitBytes, netRxBytes: $0.netRxBytes,
                                     netTxBytes: $0.netTxBytes, blockReadBytes: $0.blockReadBytes,
                                     blockWriteBytes: $0.blockWriteBytes)
                  })
    }
}

extension ContainerImageSample {
    public init(_ image: ContainerImage) {
        self.init(id: image.id, tags: image.tags, sizeBytes: image.sizeBytes, created: image.created)
    }
}
