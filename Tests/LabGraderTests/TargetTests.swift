import ContainerKit
import Foundation
import Testing
import TestTags
import TestSupport
@testable import LabGrader
@testable import LabFormat

/// Checks that run somewhere else: in a real Podman container (the engine `make test` starts), in a VM
/// that is not there, and the rules the validator keeps about targets. Guests with an agent are proven by
/// the shipped labs' end-to-end test on a booted cloud image.
@Suite(.serialized, .tags(.daemon, .engine)) struct TargetTests {
    @Test func checksRunInsideARealContainer() async throws {
        let client = try await TestEngine.connect()
        let name = "vl-lab-\(UUID().uuidString.prefix(6).lowercased())"
        _ = try await TestEngine.runSleeper(client, name: name)
        do {
            try await gradeInside(client, name)
        } catch {
            await TestEngine.cleanUp(name)
            throw error
        }
        await TestEngine.cleanUp(name)
    }

    private func gradeInside(_ client: EngineClient, _ name: String) async throws {
        _ = try await client.exec(name, ["sh", "-c", "echo 'hello lab' > /tmp/greeting && chmod 600 /tmp/greeting"])

        let results = try await grade(oneStep("""
              - {id: state, title: S, container: {name: \(name), state: running, image: {contains: virtlab-busybox}}}
              - {id: absent, title: A, container: {name: \(name)-not-there}}
              - {id: cmd, title: C, target: "container:\(name)", command: {run: [cat, /tmp/greeting], stdout: {contains: hello}}}
              - {id: file, title: F, target: "container:\(name)", file: {path: /tmp/greeting, mode: "0600", contents: {regex: "^hello"}}}
              - {id: gone, title: G, target: "container:\(name)", file: {path: /etc/not-here, exists: false}}
              - {id: cap, title: K, target: "container:\(name)", capture: {as: host, run: [hostname]}}
              - {id: shell, title: Sh, target: "container:\(name)", command: {run: {shell: "test -s /tmp/greeting"}}}
              - {id: hang, title: H, target: "container:\(name)", timeout: 2s, command: {run: [sleep, "300"]}}
              - {id: nobox, title: N, target: "container:\(name)-not-there", command: {run: ["true"]}}
        """))
        for id in ["state", "cmd", "file", "gone", "cap", "shell"] {
            #expect(results[id]?.status == .pass, "\(id): \(String(describing: results[id]))")
        }
        #expect(results["cmd"]?.command == "[container:\(name)] cat /tmp/greeting")
        #expect(results["absent"]?.status == .fail && results["absent"]?.got == "no container \(name)-not-there")
        #expect(results["hang"]?.status == .error && results["hang"]?.message?.contains("killed") == true)
        #expect(results["nobox"]?.status == .error
                && results["nobox"]?.message == "no container '\(name)-not-there': create it first")
        // The timed-out sleep is killed in the container, not left behind (its parent reaps it when it gets to it:
        // wait for the process list to say so, with a bound).
        var processes = try await client.exec(name, ["ps", "-o", "args"])
        let deadline = ContinuousClock.now + .seconds(120)
        while processes.stdout.contains("sleep 300") && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            processes = try await client.exec(name, ["ps", "-o", "args"])
        }
        #expect(!processes.stdout.contains("sleep 300"), "\(processes.stdout)")

        try await client.stop(name)
        let stopped = try await grade(oneStep("""
              - {id: down, title: D, target: "container:\(name)", command: {run: ["true"]}}
              - {id: exited, title: E, container: {name: \(name), state: exited}}
        """))
        #expect(stopped["down"]?.status == .error && stopped["down"]?.message?.contains("not running") == true,
                "\(String(describing: stopped["down"]))")
        #expect(stopped["exited"]?.status == .pass)
    }

    @Test func aVMThatIsNotThereIsAnErrorNamingIt() async throws {
        let results = try await grade(oneStep("""
              - {id: v, title: V, target: "vm:no-such-vm", command: {run: [hostname]}}
              - {id: f, title: F, target: "vm:no-such-vm", file: {path: /etc/machine-id}}
        """), uri: "qemu:///system")
        for id in ["v", "f"] {
            #expect(results[id]?.status == .error
                    && results[id]?.message == "no VM 'no-such-vm' on qemu:///system: create it first",
                    "\(String(describing: results[id]))")
        }
    }

    @Test func stepActionsTakeATargetAndHostOnlyPrimitivesRefuseOne() {
        let (lab, _) = LabLoader.parse("""
            id: t
            title: T
            steps:
              - id: s
                title: S
                instructions: Do.
                solve: {shell: "rm -f /etc/ssh/ssh_host_*", target: "vm:{{student}}-vm"}
                cleanup: [virsh, destroy, x]
                checks:
                  - {id: c, title: C, target: "vm:x", file: {path: /etc/machine-id}}
            """, file: "t.yaml")
        #expect(lab?.steps[0].solve == StepAction(command: .shell("rm -f /etc/ssh/ssh_host_*"), target: .vm("{{student}}-vm")))
        #expect(lab?.steps[0].cleanup == StepAction(command: .argv(["virsh", "destroy", "x"]), target: .host))

        let (_, problems) = LabLoader.parse("""
            id: t
            title: T
            steps:
              - id: s
                title: S
                instructions: Do.
                solve: {target: "vm:x"}
                checks:
                  - {id: c, title: C, target: "vm:x", domain: {name: x}}
            """, file: "t.yaml")
        let messages = problems.map(\.description)
        #expect(messages.contains { $0.hasPrefix("t.yaml:7:") && $0.contains("a command is a list of arguments") })
        #expect(messages.contains { $0.hasPrefix("t.yaml:9:") && $0.contains("'domain' looks from the host") })
    }

    @Test func parametersReadTheClassroomsEnvironment() throws {
        let lab = try lab(oneStep("      - {id: c, title: C, command: {run: [\"true\"]}}", parameters: """
            parameters:
              image: "{env:LAB_IMAGE:-docker.io/library/busybox}"
              box: "{env:LAB_BOX}-{student}"
            """))
        let set = Parameters(lab: lab, student: "ana", environment: ["LAB_IMAGE": "localhost/mine", "LAB_BOX": "web"])
        #expect(set.values["image"] == "localhost/mine" && set.values["box"] == "web-ana")
        let unset = Parameters(lab: lab, student: "ana", environment: ["VIRTLAB_CLOUD_IMAGE": "/srv/base.qcow2"])
        #expect(unset.values["image"] == "docker.io/library/busybox" && unset.values["box"] == "-ana")
        #expect(unset.values["cloud_image"] == "/srv/base.qcow2")
    }
}
