import ContainerKit
import Foundation
import Inventory
import Providers
import Testing
import TestSupport

/// The engine's inventory against the real Podman service: stats for running containers, rates between samples.
@Suite(.serialized) struct EngineInventoryTests {
    @Test func runningContainersCarryStatsAndBusyOnesShowCPU() async throws {
        let client = try await TestEngine.connect()
        let busy = "vltest-inv-\(UUID().uuidString.prefix(8).lowercased())"
        let idle = busy + "-idle"
        defer { Task { await TestEngine.cleanUp(busy); await TestEngine.cleanUp(idle) } }
        _ = try await client.create(ContainerSpec(name: busy, image: TestEngine.image,
                                                  command: ["sh", "-c", "while :; do :; done"]))
        try await client.start(busy)
        _ = try await client.create(ContainerSpec(name: idle, image: TestEngine.image, command: ["true"]))

        let (_, version) = try await EngineClient.connect(environment: TestEngine.environment)
        let inventory = EngineProvider(client: client, engine: version)
        let first = try await inventory.snapshot()
        try await Task.sleep(nanoseconds: 1_000_000_000)
        let second = try await inventory.snapshot()

        let running = try #require(second.containers.first { $0.name == busy })
        let stopped = try #require(second.containers.first { $0.name == idle })
        #expect(running.usage != nil && stopped.usage == nil)
        #expect(running.key.connection == "unix://\(TestEngine.socketPath)")
        let rates = Rates.between(first, second, cores: 2)
        let cpu = try #require(rates[running.key]).cpuPercentOfOneCore
        // A busy loop takes a large share of a core; under the parallel suite on 2 cores it gets less than all.
        #expect(cpu > 10, "a busy loop shows CPU use, got \(cpu)%")
        #expect(rates[stopped.key] == nil)
        #expect(second.images.contains { $0.tags.contains(TestEngine.image) })
    }
}
