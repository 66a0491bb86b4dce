import ContainerKit
import Foundation
import Inventory
import Providers
import Testing
import TestTags
import TestSupport

/// The engine's inventory against the real Podman service: stats for running containers, rates between samples.
@Suite(.serialized, .tags(.engine)) struct EngineInventoryTests {
    @Test func runningContainersCarryStatsAndBusyOnesShowCPU() async throws {
        let client = try await TestEngine.connect()
        let busy = "vltest-inv-\(UUID().uuidString.prefix(8).lowercased())"
        let idle = busy + "-idle"
        try await TestEngine.removing(busy, idle) {
            _ = try await client.create(ContainerSpec(name: busy, image: TestEngine.image,
                                                      command: ["sh", "-c", "while :; do :; done"]))
            try await client.start(busy)
            _ = try await client.create(ContainerSpec(name: idle, image: TestEngine.image, command: ["true"]))

            let (_, version) = try await EngineClient.connect(environment: TestEngine.environment)
            let inventory = EngineProvider(client: client, engine: version)
            let first = try await inventory.snapshot()
            let startCPU = first.containers.first { $0.name == busy }?.usage?.cpuTimeNs ?? 0
            // Under the whole suite on 2 cores the loop gets an unknown share of a core: wait (bounded) until it has
            // used a clear 100 ms of CPU, rather than for a fixed time.
            var second = first
            let deadline = ContinuousClock.now + .seconds(60)
            repeat {
                try await Task.sleep(nanoseconds: 250_000_000)
                second = try await inventory.snapshot()
            } while (second.containers.first { $0.name == busy }?.usage?.cpuTimeNs ?? 0) < startCPU + 100_000_000
                && ContinuousClock.now < deadline

            let running = try #require(second.containers.first { $0.name == busy })
            let stopped = try #require(second.containers.first { $0.name == idle })
            #expect(running.usage != nil && stopped.usage == nil)
            #expect(running.key.connection == "unix://\(TestEngine.socketPath)")
            let rates = Rates.between(first, second, cores: 2)
            let cpu = try #require(rates[running.key]).cpuPercentOfOneCore
            let used = Double(try #require(running.usage).cpuTimeNs - startCPU)
            #expect(used >= 100_000_000, "the busy loop used \(used / 1e6) ms of CPU in 60 s")
            // The rate is the CPU the loop used over the time between the samples, as a share of one core.
            #expect(abs(cpu - used / (second.time - first.time) / 1e7) < 0.01, "got \(cpu)%")
            #expect(cpu > 0)
            #expect(rates[stopped.key] == nil)
            #expect(second.images.contains { $0.tags.contains(TestEngine.image) })
        }
    }
}
