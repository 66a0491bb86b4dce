import ContainerKit
import Foundation
import Testing
import TestSupport
import TestTags
import VirtKit

/// A name for one test's objects ("PREFIX-1a2b3c") and a scratch directory of that name with a labs/ folder; the
/// caller removes the directory.
func scratchLabs(_ prefix: String) throws -> (id: String, scratch: String) {
    let id = "\(prefix)-\(UUID().uuidString.prefix(6).lowercased())"
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(id).path
    try FileManager.default.createDirectory(atPath: scratch + "/labs", withIntermediateDirectories: true)
    return (id, scratch)
}

/// `virtlab lab up|status|reset|down` as a student types them, on the real libvirtd and Podman: a lab's own network,
/// a running and a shut-off machine, and a container, for one student.
@Suite(.serialized, .tags(.daemon, .engine)) struct LabEnvironmentTests {
    let id = "envlab-\(UUID().uuidString.prefix(6).lowercased())"
    let student = "ana"
    let labs = FileManager.default.temporaryDirectory.appendingPathComponent("env-labs-\(UUID())").path
    let state = FileManager.default.temporaryDirectory.appendingPathComponent("env-state-\(UUID())").path
    var net: String { "\(id)-net" }
    var vm: String { "\(id)-vm" }
    var idle: String { "\(id)-idle" }
    var box: String { "\(id)-box" }

    /// A port on loopback only, and a directory the container sees read-only.
    let port = Int.random(in: 20000...29999)
    let shared = FileManager.default.temporaryDirectory.appendingPathComponent("env-shared-\(UUID())").path

    init() throws {
        try FileManager.default.createDirectory(atPath: labs, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: true)
        try "from the host\n".write(toFile: shared + "/marker", atomically: true, encoding: .utf8)
        let third = Int.random(in: 0...250)
        try """
            id: \(id)
            title: A lab with a world of its own
            parameters:
              net: "\(id)-net"
              vm: "\(id)-vm"
              box: "\(id)-box"
            environment:
              networks:
                - {name: "{{net}}", mode: isolated, subnet: 10.233.\(third).1/24, dhcp: 10.233.\(third).10-10.233.\(third).20}
              machines:
                - {name: "{{vm}}", memory: 64M, disk: 16M, networks: ["{{net}}"]}
                - {name: "\(id)-idle", memory: 64M, vcpus: 2, disk: 16M, state: shut off}
              containers:
                - {name: "{{box}}", image: "\(TestEngine.image)", command: [sleep, "3600"], ports: ["127.0.0.1:\(port):8080"],
                   volumes: ["\(shared):/data:ro"]}
            steps:
              - id: look
                title: Look at {{vm}}
                instructions: "virsh dominfo {{vm}}"
                checks:
                  - {id: runs, title: "{{vm}} runs", domain: {name: "{{vm}}", state: running}}

            """.write(toFile: "\(labs)/\(id).yaml", atomically: true, encoding: .utf8)
    }

    func lab(_ verb: String, _ extra: String...) async throws -> Run.Result {
        try await Run.virtlab(["lab", verb, id] + extra + ["--labs", labs, "--trust", "--student", student, "--uri", QEMUTestGuest.uri],
                              environment: TestEngine.environment.merging(["XDG_STATE_HOME": state]) { $1 })
    }

    /// Every name on the daemons (the system's, or those named) and the engine that holds `token` (suites beside
    /// this one make and remove their own), to prove `down` leaves them as they were.
    static func everything(holding token: String, on uris: [String]? = nil) async throws -> Set<String> {
        let connections = try uris?.map { try Connection(uri: $0, readOnly: true) } ?? [try QEMUTestGuest.connect()]
        let (domains, networks) = try await blocking {
            (try connections.flatMap { try $0.domains().map(\.name) }, try connections.flatMap { try $0.networks().map(\.name) })
        }
        let containers = try await TestEngine.connect().containers(includeStopped: true).map(\.name)
        return Set((domains.map { "vm " + $0 } + networks.map { "net " + $0 } + containers.map { "ct " + $0 }).filter { $0.contains(token) })
    }

    func removeEverything() async {
        guard let connection = try? QEMUTestGuest.connect() else { return }
        _ = try? await blocking {
            for name in [vm, idle] { QEMUTestGuest.cleanUp(connection, name: name) }
            try? connection.deleteNetwork(net, evenIfInUse: true)
            for name in [vm, idle] { try? FileManager.default.removeItem(atPath: "/var/lib/libvirt/images/\(name).qcow2") }
        }
        await TestEngine.cleanUp(box)
        try? FileManager.default.removeItem(atPath: labs)
        try? FileManager.default.removeItem(atPath: shared)
        try? FileManager.default.removeItem(atPath: state)
    }

    @Test func upStatusResetAndDownDoExactlyWhatTheyMake() async throws {
        let before = try await Self.everything(holding: id)
        let connection = try QEMUTestGuest.connect()
        do {
            // Explained first: the commands, and nothing made.
            let explained = try await lab("up", "--explain")
            #expect(explained.status == 0 && explained.stdout.contains("virsh -c qemu:///system net-define \(net).xml")
                    && explained.stdout.contains("qemu-img create -f qcow2 /var/lib/libvirt/images/\(vm).qcow2 16M")
                    && explained.stdout.contains("podman create --name \(box) --label virtlab.lab=\(id) --label virtlab.student=\(student)"),
                    "\(explained.stdout)\(explained.stderr)")
            #expect(try await Self.everything(holding: id) == before)

            // A stray disk where the second machine's goes: up stops there, keeping (and recording) what it made.
            let stray = "/var/lib/libvirt/images/\(idle).qcow2"
            FileManager.default.createFile(atPath: stray, contents: Data("not a disk".utf8))
            let stopped = try await lab("up")
            #expect(stopped.status == 1 && stopped.stdout.contains("made network \(net)") && stopped.stdout.contains("made VM \(vm)"))
            #expect(stopped.stderr.contains("make VM \(idle): \(stray) already exists and the lab did not make it"), "\(stopped.stderr)")
            #expect(stopped.stderr.contains("run 'virtlab lab up \(id)' again to finish"))
            try FileManager.default.removeItem(atPath: stray)

            // Run again, it finishes: nothing twice.
            let finished = try await lab("up")
            #expect(finished.status == 0, "\(finished.stderr)")
            #expect(!finished.stdout.contains("made network") && !finished.stdout.contains("made VM \(vm)")
                    && finished.stdout.contains("made VM \(idle)") && finished.stdout.contains("made container \(box)")
                    && finished.stdout.contains("started container \(box)"), "\(finished.stdout)")
            let status = try await lab("status")
            #expect(status.stdout.contains("all 4 items as declared"), "\(status.stdout)")
            let again = try await lab("up")
            #expect(again.status == 0 && again.stdout == "\(id)'s environment is up as declared; nothing to do\n", "\(again.stdout)")
            let graded = try await lab("check")
            #expect(graded.status == 0 && graded.stdout.contains("PASS"), "\(graded.stdout)")
            // The container's port is published on loopback and the host's directory is mounted read-only.
            let engine = try await TestEngine.connect()
            let listed = try await engine.containers(includeStopped: true).first { $0.name == box }
            #expect(listed?.ports.contains { $0.publicPort == port && $0.privatePort == 8080 } == true, "\(String(describing: listed?.ports))")
            let read = try await engine.exec(box, ["cat", "/data/marker"])
            #expect(read.stdout == "from the host\n", "\(read)")

            // The machines carry the lab's mark; each has its baseline.
            let marks = try await blocking { try [vm, idle].map { try connection.domain(named: $0).labMark() } }
            #expect(marks == [LabMark(lab: id, student: student), LabMark(lab: id, student: student)])

            // Drift: the running VM off, the shut-off one given more memory, the container stopped.
            _ = try await Run.command(["virsh", "-c", QEMUTestGuest.uri, "destroy", vm])
            _ = try await Run.command(["virsh", "-c", QEMUTestGuest.uri, "setmaxmem", idle, "96M", "--config"])
            _ = try await Run.command(["podman", "stop", "-t", "0", box])
            let drifted = try await lab("status")
            for line in ["\(vm)", "stopped (should run)", "drifted: memory 96 MiB (declared 64 MiB)", "3 of 4 items differ"] {
                #expect(drifted.stdout.contains(line), "\(line) in \(drifted.stdout)")
            }

            // Reset: back to the baseline, the container made anew.
            let reset = try await lab("reset")
            #expect(reset.status == 0 && reset.stdout.contains("reverted VM \(vm) to its baseline")
                    && reset.stdout.contains("removed container \(box)") && reset.stdout.contains("made container \(box)"), "\(reset.stdout)\(reset.stderr)")
            #expect(try await lab("status").stdout.contains("all 4 items as declared"))

            // A same-named VM the lab did not make is never removed.
            _ = try await Run.command(["virsh", "-c", QEMUTestGuest.uri, "undefine", idle, "--snapshots-metadata"])
            try FileManager.default.removeItem(atPath: "/var/lib/libvirt/images/\(idle).qcow2")
            let foreign = FileManager.default.temporaryDirectory.appendingPathComponent("\(idle).xml").path
            try "<domain type='qemu'><name>\(idle)</name><memory unit='MiB'>32</memory><os><type arch='x86_64'>hvm</type></os></domain>"
                .write(toFile: foreign, atomically: true, encoding: .utf8)
            _ = try await Run.command(["virsh", "-c", QEMUTestGuest.uri, "define", foreign])
            let refused = try await lab("up")
            #expect(refused.status != 0 && refused.stderr.contains("needs machine '\(idle)', which exists and this lab did not make")
                    && refused.stderr.contains("nothing was changed"), "\(refused.stderr)")
            let down = try await lab("down")
            #expect(down.status == 0 && down.stderr.contains("left machine \(idle) alone: this lab did not make it")
                    && down.stdout.contains("removed VM \(vm) and its disk") && down.stdout.contains("removed network \(net)")
                    && down.stdout.contains("removed container \(box)"), "\(down.stdout)\(down.stderr)")
            _ = try await Run.command(["virsh", "-c", QEMUTestGuest.uri, "undefine", idle])
            #expect(try await Self.everything(holding: id) == before)
            #expect(!FileManager.default.fileExists(atPath: "/var/lib/libvirt/images/\(vm).qcow2"))
            // The machine undefined by hand is forgotten once its name is free (it was the foreign VM's at the first down).
            let twice = try await lab("down")
            #expect(twice.status == 0 && twice.stdout == "VM \(idle) is not on this host (moved, or undefined by hand); forgot it\n"
                    + "\(id)'s environment is down\n", "\(twice.stdout)")
            let thrice = try await lab("down")
            #expect(thrice.status == 0 && thrice.stdout == "nothing to remove: \(id)'s environment is not up for \(student)\n", "\(thrice.stdout)")
        } catch {
            await removeEverything()
            throw error
        }
        await removeEverything()
    }
}

/// A container whose image is not here but whose root file system is: `up` imports it (a small busybox root, so
/// the import takes a moment), and the image stays after `down`, as a pulled one would.
@Suite(.tags(.daemon, .engine)) struct RootFileSystemImportTests {
    @Test func theImageIsImportedFromTheRootFileSystemFirst() async throws {
        let id = "envfs-\(UUID().uuidString.prefix(6).lowercased())"
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(id).path
        let image = "localhost/virtlab-\(id):latest"
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try FileManager.default.createDirectory(atPath: scratch + "/root/bin", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: scratch + "/labs", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: scratch + "/root/bin/busybox")
        for applet in ["sh", "sleep", "cat"] {
            try FileManager.default.createSymbolicLink(atPath: scratch + "/root/bin/" + applet, withDestinationPath: "busybox")
        }
        await #expect(try Run.command(["tar", "-C", scratch + "/root", "-czf", scratch + "/rootfs.tar.gz", "."]).status == 0)
        try """
            id: \(id)
            title: A container from a root file system
            environment:
              containers: [{name: "\(id)", image: "\(image)", rootfs: "\(scratch)/rootfs.tar.gz", command: [/bin/sleep, "3600"]}]
            steps:
              - {id: s, title: S, instructions: I, checks: [{id: c, title: C, container: {name: "\(id)", state: running}}]}

            """.write(toFile: "\(scratch)/labs/\(id).yaml", atomically: true, encoding: .utf8)
        func lab(_ verb: String) async throws -> Run.Result {
            try await Run.virtlab(["lab", verb, id, "--labs", scratch + "/labs", "--trust"],
                                  environment: TestEngine.environment.merging(["XDG_STATE_HOME": scratch + "/state"]) { $1 })
        }
        func removeImage() async { await TestEngine.cleanUp(id); _ = try? await Run.command(["podman", "rmi", "-f", image]) }
        do {
            let up = try await lab("up")
            #expect(up.status == 0 && up.stdout.hasPrefix("imported image \(image) from \(scratch)/rootfs.tar.gz\n")
                    && up.stdout.contains("started container \(id)"), "\(up.stdout)\(up.stderr)")
            let engine = try await TestEngine.connect()
            #expect(try await engine.exec(id, ["cat", "/proc/1/cmdline"]).stdout.hasPrefix("/bin/sleep"))
            let down = try await lab("down")
            #expect(down.status == 0 && down.stdout.contains("removed container \(id)"), "\(down.stdout)\(down.stderr)")
            #expect(try await engine.images().contains { $0.tags.contains(image) }, "the imported image stays")
        } catch {
            await removeImage()
            throw error
        }
        await removeImage()
    }
}

/// A machine whose first boot cloud-init runs: its seed made beside its disk (the user, the key, the packages and
/// the commands in its user-data), kept with it, removed with it. Defined shut off: booting a cloud image is the
/// guest suites' work (CloudImageEndToEndTests).
@Suite(.tags(.daemon)) struct CloudInitMachineTests {
    @Test func theSeedIsMadeWithTheMachineAndRemovedWithIt() async throws {
        let (id, scratch) = try scratchLabs("envci")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let state = scratch + "/state"
        await #expect(try Run.command(["qemu-img", "create", "-q", "-f", "qcow2", scratch + "/base.qcow2", "16M"]).status == 0)
        try "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHZpcnRsYWItdGVzdC1rZXktbm90LXJlYWw ci@virtlab\n"
            .write(toFile: scratch + "/key.pub", atomically: true, encoding: .utf8)
        func write(key: String) throws {
            try """
                id: \(id)
                title: A cloud-init machine
                environment:
                  machines:
                    - name: \(id)
                      memory: 64M
                      image: \(scratch)/base.qcow2
                      state: shut off
                      cloud_init: {user: learner, ssh_key: \(key), packages: [tree], commands: ["echo first boot > /root/first-boot"]}
                steps:
                  - {id: s, title: S, instructions: I, checks: [{id: c, title: C, domain: {name: \(id), exists: true}}]}

                """.write(toFile: "\(scratch)/labs/\(id).yaml", atomically: true, encoding: .utf8)
        }
        func lab(_ verb: String) async throws -> Run.Result {
            try await Run.virtlab(["lab", verb, id, "--labs", scratch + "/labs", "--trust", "--uri", QEMUTestGuest.uri],
                                  environment: ["XDG_STATE_HOME": state])
        }
        let connection = try QEMUTestGuest.connect()
        let seed = "/var/lib/libvirt/images/\(id)-seed.iso"
        defer {
            QEMUTestGuest.cleanUp(connection, name: id)
            for file in [seed, "/var/lib/libvirt/images/\(id).qcow2"] { try? FileManager.default.removeItem(atPath: file) }
        }

        try write(key: scratch + "/missing.pub")
        let refused = try await lab("up")
        #expect(refused.status != 0 && refused.stderr.contains("cannot read the SSH key file \(scratch)/missing.pub"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: seed) && (try? connection.domain(named: id)) == nil, "nothing was made")

        try write(key: scratch + "/key.pub")
        let up = try await lab("up")
        #expect(up.status == 0 && up.stdout.contains("made VM \(id)") && up.stdout.contains("kept the baseline"), "\(up.stdout)\(up.stderr)")
        let userData = try await Run.command(["isoinfo", "-i", seed, "-R", "-x", "/user-data"]).stdout
        for line in ["- name: \"learner\"", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHZpcnRsYWItdGVzdC1rZXktbm90LXJlYWw", "packages:",
                     "- \"tree\"", "[sh, -c, \"echo first boot > /root/first-boot\"]"] {
            #expect(userData.contains(line), "\(line) in \(userData)")
        }
        let (disks, user, mark) = try await blocking {
            let domain = try connection.domain(named: id)
            return (try domain.details().disks, domain.instanceMetadata()?.user, domain.labMark())
        }
        #expect(disks.contains { $0.device == "cdrom" && $0.source == seed }, "\(disks)")
        #expect(user == "learner", "virtlab vm ssh logs in as the user cloud-init made")
        #expect(mark?.lab == id, "the lab's mark beside it")

        let down = try await lab("down")
        #expect(down.status == 0 && down.stdout.contains("(and its cloud-init seed)"), "\(down.stdout)\(down.stderr)")
        #expect(!FileManager.default.fileExists(atPath: seed) && !FileManager.default.fileExists(atPath: "/var/lib/libvirt/images/\(id).qcow2"))
    }
}

extension CloudInitMachineTests {
    /// `ssh_key_pair`: up makes the pair when it is missing and authorizes it; down removes what up made.
    @Test func aKeyPairUpMakesIsAuthorizedAndRemovedWithTheMachine() async throws {
        let (id, scratch) = try scratchLabs("envkp")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        await #expect(try Run.command(["qemu-img", "create", "-q", "-f", "qcow2", scratch + "/base.qcow2", "16M"]).status == 0)
        let pair = scratch + "/keys/id_ed25519"
        try """
            id: \(id)
            title: A machine with a key pair of its own
            environment:
              machines:
                - {name: \(id), memory: 64M, image: \(scratch)/base.qcow2, state: shut off,
                   cloud_init: {user: learner, ssh_key_pair: \(pair)}}
            steps:
              - {id: s, title: S, instructions: I, checks: [{id: c, title: C, domain: {name: \(id), exists: true}}]}

            """.write(toFile: "\(scratch)/labs/\(id).yaml", atomically: true, encoding: .utf8)
        func lab(_ verb: String, _ extra: String...) async throws -> Run.Result {
            try await Run.virtlab(["lab", verb, id, "--labs", scratch + "/labs", "--trust", "--uri", QEMUTestGuest.uri] + extra,
                                  environment: ["XDG_STATE_HOME": scratch + "/state"])
        }
        let connection = try QEMUTestGuest.connect()
        let seed = "/var/lib/libvirt/images/\(id)-seed.iso"
        defer {
            QEMUTestGuest.cleanUp(connection, name: id)
            for file in [seed, "/var/lib/libvirt/images/\(id).qcow2"] { try? FileManager.default.removeItem(atPath: file) }
        }

        let explained = try await lab("up", "--explain")
        #expect(explained.stdout.hasPrefix("ssh-keygen -q -t ed25519 -N '' -f \(pair) && qemu-img create"), "\(explained.stdout)")
        #expect(!FileManager.default.fileExists(atPath: pair), "--explain makes nothing")

        let up = try await lab("up")
        #expect(up.status == 0 && up.stdout.contains("made VM \(id) (64 MiB, 1 vCPU, disk /var/lib/libvirt/images/\(id).qcow2) "
                                                     + "and its login key pair \(pair)"), "\(up.stdout)\(up.stderr)")
        let publicKey = try String(contentsOfFile: pair + ".pub", encoding: .utf8).split(separator: " ").prefix(2).joined(separator: " ")
        let userData = try await Run.command(["isoinfo", "-i", seed, "-R", "-x", "/user-data"]).stdout
        #expect(publicKey.hasPrefix("ssh-ed25519 ") && userData.contains(publicKey), "\(userData)")
        let mode = try FileManager.default.attributesOfItem(atPath: pair)[.posixPermissions] as? Int
        #expect(mode == 0o600, "the private half is the user's alone")

        let down = try await lab("down")
        #expect(down.status == 0 && down.stdout.contains("(and its cloud-init seed and its login key pair \(pair))"),
                "\(down.stdout)\(down.stderr)")
        #expect(!FileManager.default.fileExists(atPath: pair) && !FileManager.default.fileExists(atPath: pair + ".pub"))
    }
}

extension HostResourceRefusalTests {
    /// A guest lab on a host with no cloud image says what it needs, and makes nothing.
    @Test func aGuestLabWithoutACloudImageSaysSo() async throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("no-images-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let student = "nocloud\(UUID().uuidString.prefix(4).lowercased())"
        let before = try await LabEnvironmentTests.everything(holding: student)
        let up = try await Run.virtlab(["lab", "up", "show-uuid", "--student", student, "--uri", QEMUTestGuest.uri],
                                       environment: ["VIRTLAB_CLOUD_IMAGE": "", "VIRTLAB_IMAGES_DIR": empty, "XDG_STATE_HOME": empty])
        #expect(up.status == 1 && up.stderr == "virtlab: lab 'show-uuid' cannot run here: cloud-image: no cloud image; import "
                + "one with 'virtlab image import FILE.qcow2' or set VIRTLAB_CLOUD_IMAGE; nothing was changed\n", "\(up.stderr)")
        #expect(try await LabEnvironmentTests.everything(holding: student) == before)
    }
}

/// A name another lab's environment holds is refused naming that lab and student, and left alone by down.
@Suite(.tags(.daemon)) struct NameClashTests {
    @Test func aMachineAnotherLabMadeIsRefusedNamingItsOwner() async throws {
        let (token, scratch) = try scratchLabs("envclash")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        for lab in ["first", "second"] {
            try """
                id: \(token)-\(lab)
                title: One of two labs that want the same VM
                environment:
                  machines:
                    - {name: \(token), memory: 32M, disk: 16M, state: shut off}
                steps:
                  - {id: s, title: S, instructions: I, checks: [{id: c, title: C, domain: {name: \(token), exists: true}}]}

                """.write(toFile: "\(scratch)/labs/\(lab).yaml", atomically: true, encoding: .utf8)
        }
        func lab(_ verb: String, _ lab: String, student: String) async throws -> Run.Result {
            try await Run.virtlab(["lab", verb, "\(token)-\(lab)", "--labs", scratch + "/labs", "--trust", "--student", student,
                                   "--uri", QEMUTestGuest.uri], environment: ["XDG_STATE_HOME": scratch + "/state-\(student)"])
        }
        let connection = try QEMUTestGuest.connect()
        defer {
            QEMUTestGuest.cleanUp(connection, name: token)
            try? FileManager.default.removeItem(atPath: "/var/lib/libvirt/images/\(token).qcow2")
        }
        #expect(try await lab("up", "first", student: "ana").status == 0)
        let refused = try await lab("up", "second", student: "bob")
        #expect(refused.status == 1 && refused.stderr.contains("needs machine '\(token)' (made by lab \(token)-first for ana), which "
                                                                 + "exists and this lab did not make"), "\(refused.stderr)")
        let status = try await lab("status", "second", student: "bob")
        #expect(status.stdout.contains("not the lab's: a machine of that name made by lab \(token)-first for ana"), "\(status.stdout)")
        let down = try await lab("down", "second", student: "bob")
        #expect(down.stderr.contains("left machine \(token) alone: this lab did not make it (lab \(token)-first for ana did)"),
                "\(down.stderr)")
        #expect(try await lab("down", "first", student: "ana").status == 0)
    }
}

/// A host without the memory or the disk space an environment declares is said before anything is made.
@Suite(.tags(.daemon)) struct HostResourceRefusalTests {
    @Test func memoryAndDiskTheHostLacksAreRefusedFirst() async throws {
        let (id, scratch) = try scratchLabs("envbig")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        func up(_ machines: String) async throws -> Run.Result {
            try """
                id: \(id)
                title: A lab larger than its host
                environment:
                  networks:
                    - {name: \(id)-net, mode: isolated}
                  machines:
                \(machines)
                steps:
                  - {id: s, title: S, instructions: I, checks: [{id: c, title: C, domain: {name: \(id)-a, exists: true}}]}

                """.write(toFile: "\(scratch)/labs/\(id).yaml", atomically: true, encoding: .utf8)
            return try await Run.virtlab(["lab", "up", id, "--labs", scratch + "/labs", "--trust", "--uri", QEMUTestGuest.uri],
                                         environment: ["XDG_STATE_HOME": scratch + "/state"])
        }
        let before = try await LabEnvironmentTests.everything(holding: id)

        let memory = try await up("    - {name: \(id)-a, memory: 32M, disk: 16M}\n    - {name: \(id)-b, memory: 64T, disk: 16M}")
        #expect(memory.status == 1 && memory.stdout.isEmpty, "\(memory.stdout)")
        #expect(memory.stderr.contains("would start \(id)-a, \(id)-b with 67108896 MiB of memory; qemu:///system has ")
                && memory.stderr.contains("MiB available: shut off other VMs") && memory.stderr.hasSuffix("nothing was changed\n"),
                "\(memory.stderr)")

        let disk = try await up("    - {name: \(id)-a, memory: 32M, disk: 64T, state: shut off}")
        #expect(disk.status == 1 && disk.stdout.isEmpty, "\(disk.stdout)")
        #expect(disk.stderr.contains("would make 67108864 MiB of new disks (\(id)-a) in /var/lib/libvirt/images, which has ")
                && disk.stderr.hasSuffix("MiB free: free some space and run it again; nothing was changed\n"), "\(disk.stderr)")

        #expect(try await LabEnvironmentTests.everything(holding: id) == before, "nothing is made when the host lacks room")
    }
}

/// Every shipped lab with an environment of its own, proven as a student meets it: up, graded untouched (not full
/// marks), solved (full marks), reset (back to the untouched score), down (the daemon and the engine as before).
/// The labs whose machines boot the cloud image are proven beside the other guests (ShippedGuestEnvironmentLabTests).
@Suite(.serialized, .tags(.daemon, .engine)) struct ShippedEnvironmentLabTests {
    /// The shipped labs that declare an environment, and whether one of their machines boots an OS (cloud-init).
    static func labFiles(bootingAGuest: Bool) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: Repository.labs)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
            .filter { file in
                let text = (try? String(contentsOfFile: "\(Repository.labs)/\(file)", encoding: .utf8)) ?? ""
                // A lab that moves a VM to a second host is proven on two of them (MigrationTests).
                return text.contains("\nenvironment:") && text.contains("cloud_init:") == bootingAGuest && !text.contains("second-host")
            }
    }

    @Test func someShippedLabsBringTheirOwnWorld() {
        #expect(Self.labFiles(bootingAGuest: false).contains("vm-hardware.yaml"))
        #expect(Self.labFiles(bootingAGuest: true).contains("show-uuid.yaml"))
    }

    @Test(arguments: labFiles(bootingAGuest: false))
    func upGradeSolveResetDown(file: String) async throws {
        try await Self.prove(file, environment: [:])
    }

    /// `hosts`: the lab's own libvirt host (LIBVIRT_DEFAULT_URI, which the lab's virsh lines follow too) and any other
    /// it makes use of, all checked for leftovers after `down`; by default the system daemon, as `--uri`.
    static func prove(_ file: String, environment extra: [String: String], hosts: [String]? = nil) async throws {
        let id = String(file.dropLast(5))
        let student = "ci-\(UUID().uuidString.prefix(6).lowercased())"
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("env-\(student)").path
        defer { try? FileManager.default.removeItem(atPath: state) }
        let binDirectory = (Run.virtlabBinary as NSString).deletingLastPathComponent
        let environment = TestEngine.environment.merging([
            "XDG_STATE_HOME": state, "VIRTLAB_LAB_APP_IMAGE": TestEngine.image, "VIRTLAB_LAB_OS_IMAGE": TestEngine.image,
            "PATH": binDirectory + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
        ].merging(hosts.map { ["LIBVIRT_DEFAULT_URI": $0[0]] } ?? [:]) { $1 }.merging(extra) { $1 }) { $1 }
        func lab(_ verb: String, _ extra: String...) async throws -> Run.Result {
            try await Run.virtlab(["lab", verb, id, "--student", student] + (hosts == nil ? ["--uri", QEMUTestGuest.uri] : []) + extra,
                                  environment: environment)
        }
        func earned() async throws -> (Int, Int) {
            let graded = try await lab("grade", "--format", "json", "--exit-zero")
            let json = try JSONSerialization.jsonObject(with: Data(graded.stdout.utf8)) as? [String: Any]
            return (json?["earned"] as? Int ?? -1, json?["possible"] as? Int ?? -2)
        }
        let before = try await LabEnvironmentTests.everything(holding: student, on: hosts)
        let up = try await lab("up")
        #expect(up.status == 0, "\(id): \(up.stdout)\(up.stderr)")
        do {
            let (untouched, possible) = try await earned()
            #expect(untouched < possible, "untouched, \(id) must not earn full marks")
            let solved = try await lab("solve")
            #expect(solved.status == 0, "\(id): \(solved.stderr)")
            if try await earned() != (possible, possible) {
                let checked = try await lab("check")
                Issue.record("\(id) solved must earn full marks: \(checked.stdout)\(checked.stderr)")
            }
            let reset = try await lab("reset")
            #expect(reset.status == 0, "\(id): \(reset.stdout)\(reset.stderr)")
            #expect(try await earned() == (untouched, possible), "reset must return \(id) to the untouched score")
        } catch {
            _ = try? await lab("down")
            throw error
        }
        let down = try await lab("down")
        #expect(down.status == 0 && down.stdout.hasSuffix("\(id)'s environment is down\n"), "\(down.stdout)\(down.stderr)")
        #expect(try await LabEnvironmentTests.everything(holding: student, on: hosts) == before, "lab down left something of \(id) behind")
    }
}

/// The shipped labs whose environment boots the cloud image (cloud-init, the guest agent), proven as the others
/// are: each boots its own VM under TCG, so they run beside the other guests. Inside the test network namespace.
@Suite(.serialized, .tags(.guest)) struct ShippedGuestEnvironmentLabTests {
    static let cloudImage = "/var/cache/virtlab/cloud-image/debian-cloud.qcow2"

    @Test(arguments: ShippedEnvironmentLabTests.labFiles(bootingAGuest: true))
    func upGradeSolveResetDown(file: String) async throws {
        guard FileManager.default.fileExists(atPath: Self.cloudImage) else {
            throw QEMUTestGuest.Unavailable(description: "LOUD: no cloud image at \(Self.cloudImage): run 'make test' "
                                            + "(it runs .ci/build-cloud-image)")
        }
        try TestNetwork.requireInside()
        // libguestfs (the template and clone labs) must not try the broken nested KVM here.
        try await ShippedEnvironmentLabTests.prove(file, environment: [
            "VIRTLAB_CLOUD_IMAGE": Self.cloudImage, "LIBGUESTFS_BACKEND": "direct", "LIBGUESTFS_BACKEND_SETTINGS": "force_tcg",
        ])
    }
}
