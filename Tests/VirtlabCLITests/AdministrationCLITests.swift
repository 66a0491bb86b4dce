import Foundation
import Testing
import TestTags
import Inventory
import TestSupport

/// Many VMs at once, `--explain` and the log of actions, on the test driver (each run reloads the fixture).
@Suite(.tags(.pure)) struct BulkCLITests {
    let fixture: TestDriverFixture

    init() throws {
        fixture = try TestDriverFixture(vms: [
            .init(name: "alpha", memoryMiB: 1024, vcpus: 2, running: true),
            .init(name: "beta", memoryMiB: 512, vcpus: 1, running: false),
            .init(name: "bravo", memoryMiB: 512, vcpus: 1, running: false),
        ])
    }

    @Test func oneActionForSeveralVMsEachSaidOnItsOwnLine() async throws {
        let state = NSTemporaryDirectory() + "virtlab-bulk-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: state) }
        let env = ["XDG_STATE_HOME": state]
        let all = try await Run.virtlab(["vm", "start", "--all", "--uri", fixture.uri], environment: env)
        #expect(all.status == 1, "one of them could not start")
        #expect(all.stdout == "started beta\nstarted bravo\n")
        #expect(all.stderr.contains("virtlab: cannot start 'alpha': it is running (run 'virtlab vm info alpha' to see its state)"))
        let matched = try await Run.virtlab(["vm", "start", "--match", "b*", "ghost", "--uri", fixture.uri], environment: env)
        #expect(matched.stdout == "started beta\nstarted bravo\n")
        #expect(matched.stderr.split(separator: "\n").count == 1 && matched.stderr.contains("'ghost'"))
        let none = try await Run.virtlab(["vm", "start", "--match", "zz*", "--uri", fixture.uri], environment: env)
        expectOneLineError(none, mentioning: ["no VM on \(fixture.uri) matches 'zz*'"])

        let log = try String(contentsOfFile: state + "/virtlab/virtlab.log", encoding: .utf8)
        #expect(log.contains("action OK \(fixture.uri) start beta | virsh -c \(fixture.uri) start beta | started beta"))
        #expect(log.contains("action FAILED \(fixture.uri) start alpha | virsh -c \(fixture.uri) start alpha | cannot start 'alpha'"))
    }

    @Test func explainPrintsTheCommandLineOnly() async throws {
        let explained = try await Run.virtlab(["vm", "shutdown", "alpha", "beta", "--explain", "--uri", fixture.uri])
        #expect(explained.stdout == "virsh -c \(fixture.uri) shutdown alpha\nvirsh -c \(fixture.uri) shutdown beta\n")
        let snapshot = try await Run.virtlab(["vm", "snapshot", "revert", "--all", "clean", "--explain", "--uri", fixture.uri])
        #expect(snapshot.stdout.split(separator: "\n") == ["alpha", "beta", "bravo"].map {
            "virsh -c \(fixture.uri) snapshot-revert \($0) clean"[...]
        })
        let network = try await Run.virtlab(["net", "autostart", "default", "--disable", "--explain", "--uri", fixture.uri])
        #expect(network.stdout == "virsh -c \(fixture.uri) net-autostart default --disable\n")
        let container = try await Run.virtlab(["ct", "stop", "web", "--explain"])
        #expect(container.stdout == "podman stop web\n")
        let set = try await Run.virtlab(["vm", "set", "beta", "--vcpus", "1", "--memory", "256", "--explain", "--uri", fixture.uri])
        #expect(set.stdout == "virsh -c \(fixture.uri) setvcpus beta 1 --config\nvirsh -c \(fixture.uri) setmem beta 256M --config\n")
    }

    /// VMs named like a placeholder or like shell syntax: each printed command names the VM once, quoted.
    @Test func explainQuotesHostileNames() async throws {
        let names = ["COUNT", "NAME", "a b;c", "it's", "x$(y)"]
        let hostile = try TestDriverFixture(vms: names.map { .init(name: $0, running: false) })
        let uri = hostile.uri
        for name in names {
            let quoted = ShellWords.quoted(name)
            let set = try await Run.virtlab(["vm", "set", name, "--vcpus", "1", "--explain", "--uri", uri])
            #expect(set.stdout == "virsh -c \(uri) setvcpus \(quoted) 1 --config\n", "\(set.stderr)")
            let start = try await Run.virtlab(["vm", "start", name, "--explain", "--uri", uri])
            #expect(start.stdout == "virsh -c \(uri) start \(quoted)\n", "\(start.stderr)")
            let snapshot = try await Run.virtlab(["vm", "snapshot", "create", name, name, "--explain", "--uri", uri])
            #expect(snapshot.stdout == "virsh -c \(uri) snapshot-create-as \(quoted) \(quoted)\n", "\(snapshot.stderr)")
        }
        let clone = try await Run.virtlab(["vm", "clone", "NAME", "x;y", "--explain", "--uri", uri])
        #expect(clone.stdout == "virt-clone --original NAME --name 'x;y' --auto-clone\n", "\(clone.stderr)")
    }

    @Test func badSelectionsAreOneLineErrors() async throws {
        let nothing = try await Run.virtlab(["vm", "start", "--uri", fixture.uri])
        #expect(nothing.status == 64 && nothing.stderr.contains("name a VM (or several), or give --match GLOB or --all"))
        let noChange = try await Run.virtlab(["vm", "set", "beta", "--uri", fixture.uri])
        #expect(noChange.status == 64 && noChange.stderr.contains("give --vcpus N, --memory MiB or --autostart on|off"))
        let both = try await Run.virtlab(["vm", "disk", "attach", "beta", "--size", "1", "--image", "/x", "--uri", fixture.uri])
        #expect(both.status == 64 && both.stderr.contains("give either --size GiB or --image FILE"))
        let noSnapshot = try await Run.virtlab(["vm", "snapshot", "create", "--uri", fixture.uri])
        #expect(noSnapshot.status == 64 && noSnapshot.stderr.contains("name the snapshot last"))
    }
}

/// Hardware, disks and snapshot trees on the real libvirtd with the test guest (TCG).
@Suite(.serialized, .tags(.guest)) struct HardwareOnRealDaemonTests {
    @Test func vcpusMemoryDisksAndTheirLimits() async throws {
        let connection = try QEMUTestGuest.connect()
        let name = QEMUTestGuest.uniqueName("hw")
        let newDisk = "/var/lib/libvirt/\(name)-vdb.qcow2"
        defer {
            QEMUTestGuest.cleanUp(connection, name: name)
            try? FileManager.default.removeItem(atPath: newDisk)
        }
        let disk = try QEMUTestGuest.makeDisk(name: name)
        _ = try connection.define(xml: QEMUTestGuest.domainXML(name: name, diskPath: disk))
        func virtlab(_ args: String...) async throws -> Run.Result {
            try await Run.virtlab(args + ["--uri", QEMUTestGuest.uri])
        }
        let hostCPUs = ProcessInfo.processInfo.activeProcessorCount
        expectOneLineError(try await virtlab("vm", "set", name, "--vcpus", "\(hostCPUs * 64)"),
                           mentioning: ["cannot give '\(name)' \(hostCPUs * 64) vCPUs: the host has"])
        expectOneLineError(try await virtlab("vm", "set", name, "--memory", "100000000"),
                           mentioning: ["cannot give '\(name)' 100000000 MiB: the host has"])

        let offline = try await virtlab("vm", "set", name, "--memory", "256")
        #expect(offline.stdout == "set the memory of \(name) to 256 MiB, in its definition, from the next start\n", "\(offline.stderr)")
        #expect(try await virtlab("vm", "info", name).stdout.contains("Memory:      256 MiB of 256 MiB"))

        #expect(try await virtlab("vm", "start", name).status == 0)
        let balloon = try await virtlab("vm", "set", name, "--memory", "200")
        #expect(balloon.stdout == "set the memory of \(name) to 200 MiB, now and from the next boot\n", "\(balloon.stderr)")
        let aboveMax = try await virtlab("vm", "set", name, "--memory", "512")
        #expect(aboveMax.stdout == "set the memory of \(name) to 512 MiB, in its definition only, from the next boot: "
                + "the running guest's maximum is 256 MiB\n", "\(aboveMax.stderr)")
        #expect(try connection.domain(named: name).xml(inactive: true).contains("<memory unit='KiB'>524288</memory>"))

        expectOneLineError(try await virtlab("vm", "disk", "detach", name, "vda"),
                           mentioning: ["cannot detach vda from '\(name)' while it runs: it is its boot disk"])
        expectOneLineError(try await virtlab("vm", "disk", "attach", name, "--image", "/nonexistent.qcow2"),
                           mentioning: ["cannot read /nonexistent.qcow2"])
        let attached = try await virtlab("vm", "disk", "attach", name, "--size", "1")
        #expect(attached.stdout.hasPrefix("attached a new 1 GiB qcow2 disk \(newDisk) to \(name) as vdb, "), "\(attached.stderr)")
        #expect(FileManager.default.fileExists(atPath: newDisk))
        #expect(try connection.domain(named: name).xml(inactive: true).contains(newDisk))
        let again = try await virtlab("vm", "disk", "attach", name, "--size", "1", "--dev", "vdb")
        #expect(again.status == 1 && again.stderr.contains("already"), "nothing is overwritten: \(again.stderr)")

        let explained = try await virtlab("vm", "destroy", name, "--explain")
        #expect(explained.stdout == "virsh -c qemu:///system destroy \(name)\n")
        #expect(try await virtlab("vm", "info", name).stdout.contains("State:       running"), "--explain did nothing")
        #expect(try await virtlab("vm", "destroy", name).status == 0)
        let detached = try await virtlab("vm", "disk", "detach", name, "vdb")
        #expect(detached.stdout == "detached vdb from \(name), in its definition, from the next start\n", "\(detached.stderr)")
        #expect(FileManager.default.fileExists(atPath: newDisk), "detaching keeps the file")
    }

    @Test func snapshotTreeBulkRevertAndExternalSnapshots() async throws {
        let connection = try QEMUTestGuest.connect()
        let first = QEMUTestGuest.uniqueName("tree"), second = QEMUTestGuest.uniqueName("tree")
        let overlay = "/var/lib/libvirt/\(first)-ext.qcow2"
        defer {
            QEMUTestGuest.cleanUp(connection, name: first)
            QEMUTestGuest.cleanUp(connection, name: second)
            try? FileManager.default.removeItem(atPath: overlay)
        }
        for name in [first, second] {
            _ = try connection.define(xml: QEMUTestGuest.domainXML(name: name, diskPath: try QEMUTestGuest.makeDisk(name: name)))
        }
        func virtlab(_ args: String...) async throws -> Run.Result {
            try await Run.virtlab(args + ["--uri", QEMUTestGuest.uri])
        }
        let both = try await virtlab("vm", "snapshot", "create", first, second, "clean")
        #expect(both.stdout == "created snapshot clean of \(first) (shutoff)\ncreated snapshot clean of \(second) (shutoff)\n")
        #expect(try await virtlab("vm", "snapshot", "create", first, "updated").status == 0)
        #expect(try await virtlab("vm", "snapshot", "create", first, "tuned").status == 0)
        #expect(try await virtlab("vm", "snapshot", "revert", first, "updated").status == 0)
        #expect(try await virtlab("vm", "snapshot", "create", first, "other").status == 0)
        let listed = try await virtlab("vm", "snapshot", "list", first).stdout
        let rows = listed.split(separator: "\n").map { $0.split(separator: " ").prefix(3).joined(separator: " ") }
        // Siblings come oldest first; these two may be taken within the same second (then by name).
        #expect(Array(rows.prefix(3)) == ["NAME CURRENT KIND", "clean internal shutoff", "└─ updated internal"], "\(listed)")
        #expect(Set(rows.dropFirst(3)) == ["├─ other *", "└─ tuned internal"] || Set(rows.dropFirst(3)) == ["├─ tuned internal", "└─ other *"],
                "both children under updated, the current one starred:\n\(listed)")
        let deleted = try await virtlab("vm", "snapshot", "delete", first, "updated")
        #expect(deleted.stdout.contains("Its children 'other', 'tuned' are kept and hang from 'clean'.")
                || deleted.stdout.contains("Its children 'tuned', 'other' are kept and hang from 'clean'."), "\(deleted.stdout)")

        // Reset both to clean in one step; a VM that is not there fails alone.
        let reset = try await virtlab("vm", "snapshot", "revert", first, "vltest-gone", second, "clean")
        #expect(reset.status == 1)
        #expect(reset.stdout == "reverted \(first) to clean\nreverted \(second) to clean\n")
        #expect(reset.stderr.contains("'vltest-gone'"))

        // An external (overlay) snapshot cannot be reverted to by this libvirt: said in one line, nothing done.
        let external = try await Run.command(["virsh", "-c", QEMUTestGuest.uri, "snapshot-create-as", first, "ext",
                                              "--disk-only", "--diskspec", "vda,file=\(overlay)"])
        try #require(external.status == 0, "\(external.stderr)")
        #expect(try await virtlab("vm", "snapshot", "list", first).stdout.contains("external"))
        expectOneLineError(try await virtlab("vm", "snapshot", "revert", first, "ext"),
                           mentioning: ["cannot revert to snapshot 'ext' of '\(first)': it is an external snapshot"])
    }
}
