import ContainerKit
import Foundation
import Testing
import TestTags
import TestSupport

/// The engine client against the real Podman service `make test` starts, with the offline busybox image.
@Suite(.serialized, .tags(.engine)) struct EngineClientTests {
    @Test func talksToTheRealEngineAndReadsItsVersion() async throws {
        let (_, version) = try await EngineClient.connect(environment: TestEngine.environment)
        #expect(version.product.lowercased().contains("podman") || version.product.lowercased().contains("docker"))
        #expect(!version.apiVersion.isEmpty && version.version.first?.isNumber == true, "\(version)")
    }

    @Test func containerLifecycleStatsExecLogsAndRemoval() async throws {
        let client = try await TestEngine.connect()
        let name = "vltest-ct-\(UUID().uuidString.prefix(8).lowercased())"
        try await TestEngine.removing(name) {

            let id = try await client.create(ContainerSpec(
                name: name, image: TestEngine.image,
                command: ["sh", "-c", "echo started; echo oops >&2; exec sleep 3600"]))
            var listed = try await client.containers().first { $0.name == name }
            #expect(listed?.state == .created)
            #expect(listed?.image.contains("virtlab-busybox") == true)
            #expect(listed?.id == id)

            try await client.start(name)
            listed = try await client.containers().first { $0.name == name }
            #expect(listed?.state == .running)
            // Running-only listing includes it; a created-only container would not be there.
            #expect(try await client.containers(includeStopped: false).contains { $0.name == name })

            let stats = try await client.stats(name)
            #expect(stats.memoryBytes > 0, "a running container uses memory")
            #expect(stats.cpuTimeNs > 0, "a started shell has used some CPU")

            let result = try await client.exec(name, ["sh", "-c", "echo out; echo err >&2; exit 3"])
            #expect(result.exitCode == 3)
            #expect(result.stdout == "out\n")
            #expect(result.stderr == "err\n")
            #expect(!result.truncated)
            // An argument with shell metacharacters arrives as one word: nothing goes through a shell.
            let literal = try await client.exec(name, ["echo", "a; rm -rf / $(x)"])
            #expect(literal.stdout == "a; rm -rf / $(x)\n")

            let big = try await client.exec(name, ["sh", "-c", "yes 0123456789 | head -c 300000"], limit: 1000)
            #expect(big.truncated && big.stdout.utf8.count == 1000 && big.exitCode == 0)

            let logs = try await client.logs(name)
            #expect(String(decoding: logs.stdout, as: UTF8.self) == "started\n")
            #expect(String(decoding: logs.stderr, as: UTF8.self) == "oops\n")

            try await client.pause(name)
            #expect(try await client.containers().first { $0.name == name }?.state == .paused)
            try await client.unpause(name)
            #expect(try await client.containers().first { $0.name == name }?.state == .running)

            try await client.stop(name, graceSeconds: 1)
            #expect(try await client.containers().first { $0.name == name }?.state == .exited)
            try await client.restart(name, graceSeconds: 1)
            #expect(try await client.containers().first { $0.name == name }?.state == .running)

            try await client.remove(name, force: true)
            #expect(try await client.containers().contains { $0.name == name } == false)
        }
    }

    /// A command past its time is killed inside the container, also when the time is up before the engine has
    /// attached to it (Podman then records the exec as failed with no PID while the command runs on: what a
    /// busy CI machine hit with a 2 s check timeout). Each timeout here is shorter than the last answer takes.
    @Test func aCommandPastItsTimeIsKilledEvenWhenTheEngineLostTrackOfIt() async throws {
        let client = try await TestEngine.connect()
        let name = "vltest-kill-\(UUID().uuidString.prefix(8).lowercased())"
        try await TestEngine.removing(name) {
            _ = try await TestEngine.runSleeper(client, name: name)
            for timeout in [Duration.milliseconds(5), .milliseconds(50), .seconds(1)] {
                await #expect(throws: EngineError.self) {
                    _ = try await client.exec(name, ["sleep", "300"], timeout: timeout)
                }
            }
            let left = try await client.exec(name, ["ps", "-o", "args"]).stdout
            #expect(!left.contains("sleep 300"), "\(left)")
        }
    }

    @Test func listsImagesWithTagsSizesAndDates() async throws {
        let client = try await TestEngine.connect()
        let image = try #require(try await client.images().first { $0.tags.contains(TestEngine.image) })
        #expect(image.sizeBytes > 100_000, "busybox alone is bigger than that")
        #expect(image.created.timeIntervalSince1970 > 1_600_000_000)
        #expect(image.shortID.count == 12)
    }

    @Test func clashingNamesMissingImagesAndMissingContainersAreClearErrors() async throws {
        let client = try await TestEngine.connect()
        let name = "vltest-clash-\(UUID().uuidString.prefix(8).lowercased())"
        try await TestEngine.removing(name) {
            _ = try await client.create(ContainerSpec(name: name, image: TestEngine.image, command: ["true"]))
            let clash = await #expect(throws: EngineError.self) {
                try await client.create(ContainerSpec(name: name, image: TestEngine.image))
            }
            #expect(clash?.kind == .conflict)
            #expect(clash?.message.contains(name) == true)

            let missingImage = await #expect(throws: EngineError.self) {
                try await client.create(ContainerSpec(name: name + "-x", image: "localhost/no-such-image:1"))
            }
            #expect(missingImage?.message.contains("no-such-image") == true)

            let missing = await #expect(throws: EngineError.self) { try await client.start("vltest-never-made") }
            #expect(missing?.kind == .notFound)
            #expect(missing?.message.contains("vltest-never-made") == true)
        }
    }
}

/// What the client says about sockets that are not what it needs.
@Suite(.tags(.pure)) struct EngineEndpointTests {
    @Test func dockerHostIsHonouredAndMustBeAUnixSocket() throws {
        #expect(try EngineEndpoint.resolve(environment: ["DOCKER_HOST": "unix:///tmp/x.sock"]).socketPath
            == "/tmp/x.sock")
        let tcp = #expect(throws: EngineError.self) {
            try EngineEndpoint.resolve(environment: ["DOCKER_HOST": "tcp://10.0.0.1:2375"])
        }
        #expect(tcp?.message.contains("unix://") == true)
    }

    @Test func aMissingSocketNamesItself() async throws {
        let error = await #expect(throws: EngineError.self) {
            try await EngineClient.connect(environment: ["DOCKER_HOST": "unix:///tmp/vl-no-such.sock"])
        }
        #expect(error?.kind == .noEngine)
        #expect(error?.message.contains("/tmp/vl-no-such.sock") == true)
    }

    @Test func aSocketThatIsNotAnEngineIsToldApart() async throws {
        let server = try FakeSocketServer(response: "SSH-2.0-OpenSSH_9.2\r\n")
        let error = await #expect(throws: EngineError.self) {
            try await EngineClient.connect(environment: ["DOCKER_HOST": "unix://\(server.path)"])
        }
        #expect(error?.kind == .notAnEngine)
        #expect(error?.message.contains(server.path) == true)

        let web = try FakeSocketServer(response: "HTTP/1.0 404 Not Found\r\nContent-Length: 9\r\n\r\nnot here\n")
        let webError = await #expect(throws: EngineError.self) {
            try await EngineClient.connect(environment: ["DOCKER_HOST": "unix://\(web.path)"])
        }
        #expect(webError?.kind == .notAnEngine)
    }

    @Test func anEngineWithAnOldAPIIsRefusedWithItsVersion() async throws {
        let server = try FakeSocketServer(
            response: "HTTP/1.0 200 OK\r\nApi-Version: 1.26\r\nServer: Docker/17.03.0 (linux)\r\nContent-Length: 2\r\n\r\nOK")
        let error = await #expect(throws: EngineError.self) {
            try await EngineClient.connect(environment: ["DOCKER_HOST": "unix://\(server.path)"])
        }
        #expect(error?.kind == .tooOld, "\(String(describing: error))")
        #expect(error?.message.contains("Docker Engine 17.03.0") == true, "\(String(describing: error))")
        #expect(error?.message.contains("1.26") == true && error?.message.contains("1.41") == true)
    }
}
