import ContainerKit
import Foundation
import Testing
import TestTags
import TestSupport

/// `virtlab ct`, `virtlab image` and the containers part of `virtlab ls`, as a user runs them, on real Podman.
@Suite(.serialized, .tags(.engine)) struct ContainerAndImageCLITests {
    let engine = TestEngine.environment

    @Test func containerCommandsFromListToRemoval() async throws {
        let client = try await TestEngine.connect()
        let name = "vltest-cli-\(UUID().uuidString.prefix(8).lowercased())"
        try await TestEngine.removing(name) {
            _ = try await TestEngine.runSleeper(client, name: name)

            let list = try await Run.virtlab(["ct", "ls"], environment: engine)
            #expect(list.status == 0)
            #expect(list.stdout.split(separator: "\n").contains { $0.hasPrefix(name) && $0.contains("running")
                && $0.contains("virtlab-busybox") })

            let exec = try await Run.virtlab(["ct", "exec", name, "--", "sh", "-c", "echo hi; echo oops >&2; exit 7"],
                                       environment: engine)
            #expect(exec.status == 7 && exec.stdout == "hi\n" && exec.stderr == "oops\n")

            // The action table refuses before the engine is asked, in the words the dashboard uses.
            await expectOneLineError(try await Run.virtlab(["ct", "unpause", name], environment: engine),
                               mentioning: ["cannot unpause '\(name)': it is running; only a paused container unpauses"])
            await #expect(try await Run.virtlab(["ct", "pause", name], environment: engine).stdout == "\(name): paused\n")
            await #expect(try await Run.virtlab(["ct", "unpause", name], environment: engine).stdout == "\(name): unpaused\n")
            await #expect(try await Run.virtlab(["ct", "stop", name, "--time", "1"], environment: engine).stdout == "\(name): stopped\n")
            let json = try await Run.virtlab(["ls", "--json", "--uri", "test:///default"], environment: engine)
            let listing = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
            let containers = try #require(listing?["containers"] as? [[String: Any]])
            #expect(containers.contains { $0["name"] as? String == name && $0["state"] as? String == "exited" })
            #expect((listing?["container_images"] as? [[String: Any]])?.isEmpty == false)

            await expectOneLineError(try await Run.virtlab(["ct", "rm", name], environment: engine), mentioning: ["--yes"])
            #expect(try await client.containers().contains { $0.name == name }, "refused removal removes nothing")
            await #expect(try await Run.virtlab(["ct", "rm", name, "--yes"], environment: engine).stdout == "\(name): removed\n")
            await expectOneLineError(try await Run.virtlab(["ct", "start", name], environment: engine),
                               mentioning: [name, "virtlab ct ls"])
        }
    }

    @Test func withoutAnEngineContainerCommandsSaySoAndListStillWorks() async throws {
        let missing = ["DOCKER_HOST": "unix:///tmp/vl-no-engine.sock"]
        await expectOneLineError(try await Run.virtlab(["ct", "ls"], environment: missing),
                           mentioning: ["/tmp/vl-no-engine.sock", "does not exist"])
        await expectOneLineError(try await Run.virtlab(["ct", "ls"], environment: ["DOCKER_HOST": "tcp://10.0.0.1:2375"]),
                           mentioning: ["unix://"])
        let list = try await Run.virtlab(["ls", "--uri", "test:///default"], environment: missing)
        #expect(list.status == 0)
        #expect(list.stdout.contains("Containers\n  none: cannot list containers"))
        #expect(list.stdout.contains("test") && list.stdout.contains("running"))
    }

    @Test func imageImportInfoAndList() async throws {
        let directory = NSTemporaryDirectory() + "vl-cli-images-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let environment = ["VIRTLAB_IMAGES_DIR": directory]
        let source = directory + "-src.qcow2"
        defer { try? FileManager.default.removeItem(atPath: source) }
        await #expect(try await Run.command(["qemu-img", "create", "-q", "-f", "qcow2", source, "64M"]).status == 0)

        let imported = try await Run.virtlab(["image", "import", source, "--name", "base.qcow2"], environment: environment)
        #expect(imported.status == 0 && imported.stdout.contains("imported base.qcow2: qcow2, 64 MiB virtual"))
        let info = try await Run.virtlab(["image", "info", "base.qcow2"], environment: environment)
        #expect(info.stdout.contains("Format:       qcow2 (from the file's header)"))
        let list = try await Run.virtlab(["image", "ls", "--uri", "test:///default"], environment: environment)
        #expect(list.stdout.split(separator: "\n").contains { $0.hasPrefix("base.qcow2") && $0.contains("images dir") })

        let notes = directory + "-notes.txt"
        defer { try? FileManager.default.removeItem(atPath: notes) }
        try "not an image\n".write(toFile: notes, atomically: true, encoding: .utf8)
        await expectOneLineError(try await Run.virtlab(["image", "import", notes], environment: environment),
                           mentioning: ["is not a disk image"])
        await expectOneLineError(try await Run.virtlab(["image", "import", source, "--name", "base.qcow2"], environment: environment),
                           mentioning: ["already exists"])
        await expectOneLineError(try await Run.virtlab(["vm", "create", "x", "--from-image", "nope.qcow2", "--uri", "test:///default"],
                                           environment: environment), mentioning: ["no image nope.qcow2"])
        await expectOneLineError(try await Run.virtlab(["vm", "create", "x", "--from-image", "base.qcow2", "--ssh-key", notes,
                                            "--uri", "test:///default"], environment: environment),
                           mentioning: ["is not an SSH public key"])
        await expectOneLineError(try await Run.virtlab(["vm", "clone", "test", "copy", "--uri", "test:///default"]),
                           mentioning: ["test is running", "shut it down first"])
    }
}
