import Foundation
import Testing
import TestTags
import TestSupport

/// The `virtlab` binary, run as a user runs it, against a private test-driver hypervisor.
@Suite(.tags(.daemon)) struct CLITests {
    let fixture: TestDriverFixture

    init() throws {
        fixture = try TestDriverFixture(vms: [
            .init(name: "alpha", memoryMiB: 1024, vcpus: 2, running: true),
            .init(name: "beta", memoryMiB: 512, vcpus: 1, running: false),
        ])
    }

    func virtlab(_ args: String...) throws -> Run.Result { try Run.virtlab(args + ["--uri", fixture.uri]) }

    @Test func listShowsEveryVMWithStateAndResources() throws {
        let result = try virtlab("ls")
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("Virtual machines on \(fixture.uri)") == true)
        #expect(lines.contains { $0.hasPrefix("alpha") && $0.contains("running") && $0.contains("1 GiB / 1 GiB") })
        #expect(lines.contains { $0.hasPrefix("beta") && $0.contains("shut off") && $0.contains("512 MiB") })
    }

    @Test func listAsJSONIsMachineReadable() throws {
        let result = try virtlab("ls", "--json")
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let machines = try #require(json?["machines"] as? [[String: Any]])
        #expect(machines.map { $0["name"] as? String } == ["alpha", "beta"])
        #expect(machines.first?["kind"] as? String == "vm")
        #expect(machines.first?["vcpus"] as? Int == 2)
        #expect((json?["connection"] as? [String: Any])?["demo"] as? Bool == false)
    }

    /// Each run reloads a test-driver fixture, so a single command's effect is all one process shows.
    @Test func oneCommandActsOnTheFixture() throws {
        #expect(try virtlab("vm", "start", "beta").stdout == "started beta\n")
        #expect(try virtlab("vm", "destroy", "alpha").stdout == "forced off alpha\n")
        #expect(try virtlab("vm", "snapshot", "create", "alpha", "s1").stdout.hasPrefix("created snapshot s1 of alpha"))
        #expect(try virtlab("vm", "xml", "beta").stdout.contains("<name>beta</name>"))
    }

    @Test func infoAsJSONCarriesDisksAndNICs() throws {
        let result = try virtlab("vm", "info", "alpha", "--json")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect((json["disks"] as? [[String: Any]])?.first?["target"] as? String == "vda")
        #expect((json["nics"] as? [[String: Any]])?.count == 1)
    }

    @Test func poolsAndNetworks() throws {
        #expect(try virtlab("pool", "ls").stdout.contains("base.qcow2"))
        #expect(try virtlab("net", "ls").stdout.contains("192.168.150.2-192.168.150.254"))
    }

    // MARK: - Bad input: one line on stderr, non-zero exit, nothing changed.

    @Test func unknownDomain() throws {
        expectOneLineError(try virtlab("vm", "start", "ghost"), mentioning: ["virtlab:", "'ghost'", "virtlab ls"])
    }

    @Test func actionInvalidInTheCurrentState() throws {
        expectOneLineError(try virtlab("vm", "start", "alpha"), mentioning: ["cannot start 'alpha'", "running"])
        expectOneLineError(try virtlab("vm", "resume", "beta"), mentioning: ["cannot resume 'beta'", "shut off"])
    }

    @Test func readOnlyConnectionAskedToMutate() throws {
        expectOneLineError(try virtlab("vm", "destroy", "alpha", "--read-only"), mentioning: ["read-only"])
        #expect(try virtlab("vm", "info", "alpha").stdout.contains("running"))
    }

    @Test func unknownURI() async throws {
        await expectOneLineError(try await Run.virtlab(["ls", "--uri", "bogus:///nowhere"]),
                           mentioning: ["bogus:///nowhere", "check the URI"])
    }

    @Test func unreachableDaemon() async throws {
        await expectOneLineError(try await Run.virtlab(["ls", "--uri", "qemu:///system?socket=/nonexistent/libvirt.sock"]),
                           mentioning: ["cannot connect", "libvirtd"])
    }

    @Test func undefineWithoutConfirmationChangesNothing() throws {
        expectOneLineError(try virtlab("vm", "undefine", "beta"), mentioning: ["--yes"])
        #expect(try virtlab("ls").stdout.contains("beta"))
    }

    @Test func unreadableDefinitionFile() throws {
        expectOneLineError(try virtlab("vm", "define", "/nonexistent/vm.xml"), mentioning: ["/nonexistent/vm.xml"])
    }
}

/// `virtlab doctor` on this machine, against the facts as other tools see them.
@Suite(.tags(.pure)) struct DoctorCLITests {
    @Test func doctorTellsTheTruthAboutThisHost() async throws {
        let result = try await Run.virtlab(["doctor", "--json", "--uri", "test:///default"])
        #expect(result.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let hasExtensions = cpuinfo.contains(" vmx") || cpuinfo.contains(" svm")
        #expect(json["hardware_virtualization"] as? Bool == hasExtensions)
        let report = try #require(json["report"] as? [String: Any])
        let identity = try #require(report["identity"] as? [String: Any])
        let machineIDs = try #require(identity["machine_id"] as? [[String: Any]])
        let etc = (try? String(contentsOfFile: "/etc/machine-id", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(machineIDs.first?["value"] as? String == (etc?.isEmpty == false ? etc : nil))
        let dmi = FileManager.default.fileExists(atPath: "/sys/class/dmi/id/product_uuid")
        let uuids = try #require(identity["system_uuid"] as? [[String: Any]])
        #expect((uuids.first?["value"] != nil) == dmi)
    }

    @Test func textReportNamesWhereItLooked() async throws {
        let text = try await Run.virtlab(["doctor", "--uri", "test:///default"]).stdout
        for needle in ["/proc/cpuinfo", "/dev/kvm", "/etc/machine-id", "/var/lib/dbus/machine-id",
                       "/sys/class/dmi/id/product_uuid", "dmidecode", "GPUs and their virtualization", "/sys/bus/pci/devices",
                       "Hardware virtualization:"] {
            #expect(text.contains(needle), "doctor output lacks \(needle)")
        }
    }
}

/// Sequences of commands against the real libvirtd (state persists between runs), on the TCG test guest.
@Suite(.serialized, .tags(.guest)) struct CLIOnRealDaemonTests {
    @Test func lifecycleAndSnapshotsThroughTheCommandLine() async throws {
        let connection = try QEMUTestGuest.connect()
        let name = QEMUTestGuest.uniqueName("cli")
        defer { QEMUTestGuest.cleanUp(connection, name: name) }
        let disk = try QEMUTestGuest.makeDisk(name: name)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(name).xml").path
        try QEMUTestGuest.domainXML(name: name, diskPath: disk).write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        func virtlab(_ args: String...) throws -> Run.Result { try Run.virtlab(args + ["--uri", QEMUTestGuest.uri]) }

        #expect(try virtlab("vm", "define", file).stdout.hasPrefix("defined \(name)"))
        #expect(try virtlab("vm", "snapshot", "create", name, "clean", "--description", "fresh").status == 0)
        let snapshots = try virtlab("vm", "snapshot", "list", name).stdout
        #expect(snapshots.contains("clean") && snapshots.contains("fresh"))
        #expect(try virtlab("vm", "snapshot", "revert", name, "clean").status == 0)
        #expect(try virtlab("vm", "snapshot", "delete", name, "clean").status == 0)

        #expect(try virtlab("vm", "start", name).stdout == "started \(name)\n")
        #expect(try virtlab("vm", "info", name).stdout.contains("State:       running (booted)"))
        #expect(try virtlab("vm", "suspend", name).stdout == "paused \(name)\n")
        let listed = try virtlab("ls")
        #expect(listed.stdout.split(separator: "\n").contains { $0.hasPrefix(name) && $0.contains("paused") },
                "status \(listed.status): \(listed.stdout)\n\(listed.stderr)")
        #expect(try virtlab("vm", "resume", name).stdout == "resumed \(name)\n")
        #expect(try virtlab("vm", "reset", name).stdout == "reset \(name)\n")
        #expect(try virtlab("vm", "info", name).stdout.contains("State:       running"))
        #expect(try virtlab("vm", "autostart", name).stdout == "autostart on for \(name)\n")
        #expect(try virtlab("vm", "info", name).stdout.contains("Autostart:   yes"))
        #expect(try virtlab("vm", "destroy", name).stdout == "forced off \(name)\n")
        #expect(try virtlab("vm", "info", name).stdout.contains("State:       shut off (destroyed)"))
        #expect(try virtlab("vm", "undefine", name, "--yes").stdout.hasPrefix("deleted \(name)"))
        #expect(try !virtlab("ls").stdout.contains(name))
    }
}

/// `virtlab lab ...` as a teacher and a student use it.
@Suite(.tags(.pure)) struct LabCLITests {
    func writeLab(_ dir: String, id: String, body: String) throws -> String {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let file = "\(dir)/\(id).yaml"
        try body.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    @Test func anEnvironmentIsRefusedWhereItCouldNotLastOrIsNotDeclared() async throws {
        expectOneLineError(try await Run.virtlab(["lab", "up", "vm-hardware", "--uri", "test:///default"]),
                           mentioning: ["test:///default is libvirt's test driver", "--uri qemu:///system"], notesAllowed: false)
        expectOneLineError(try await Run.virtlab(["lab", "status", "check-extensions"]),
                           mentioning: ["lab 'check-extensions' declares no environment"], notesAllowed: false)
        expectOneLineError(try await Run.virtlab(["lab", "down", "no-such-lab"]),
                           mentioning: ["no lab 'no-such-lab'", "virtlab lab list"], notesAllowed: false)
    }

    @Test func validateReportsEveryProblemWithItsPositionAndFails() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("labs-\(UUID())").path
        let file = try writeLab(dir, id: "bad", body: "id: bad\ntitle: Bad\nsteps:\n  - id: s\n    titel: S\n")
        let result = try await Run.virtlab(["lab", "validate", file])
        #expect(result.status == 1)
        #expect(result.stdout.contains("\(file):5:5: unknown key 'titel' in a step (did you mean 'title'?)"))
        #expect(result.stdout.contains("\(file):4:5: a step needs 'instructions'"))
    }

    @Test func aLabFromAGivenDirectoryRunsOnlyWhenTrusted() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("labs-\(UUID())").path
        let marker = "\(dir)/ran"
        _ = try writeLab(dir, id: "outside", body: """
            id: outside
            title: From elsewhere
            steps:
              - id: s
                title: S
                instructions: Nothing.
                checks:
                  - {id: c, title: C, command: {run: [touch, \(marker)]}}

            """)
        let refused = try await Run.virtlab(["lab", "check", "outside", "--labs", dir])
        #expect(refused.status == 1 && refused.stdout.contains("touch \(marker)"))
        #expect(refused.stderr.contains("review them, then add --trust"))
        #expect(!FileManager.default.fileExists(atPath: marker))
        let trusted = try await Run.virtlab(["lab", "check", "outside", "--labs", dir, "--trust"],
                                      environment: ["XDG_STATE_HOME": dir])
        #expect(trusted.status == 0 && trusted.stdout.contains("Grade: 1/1 points (100%)"))
        #expect(FileManager.default.fileExists(atPath: "\(dir)/virtlab/progress/outside--\(ProcessInfo.processInfo.environment["USER"] ?? "student").json"))
    }

    /// Like goss: a grade below full marks exits 1, so a script can act on it; --exit-zero opts out.
    @Test func gradeExitsNonZeroBelowFullMarks() async throws {
        let dir = NSTemporaryDirectory() + "virtlab-grade-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let environment = ["XDG_STATE_HOME": dir]
        let partial = try await Run.virtlab(["lab", "grade", "check-extensions", "--student", "exit\(UUID().uuidString.prefix(4))",
                                       "--uri", "test:///default", "--format", "json"], environment: environment)
        let report = try JSONSerialization.jsonObject(with: Data(partial.stdout.utf8)) as? [String: Any]
        #expect(partial.status == 1 && (report?["report"] as? [String: Any])?["lab"] as? String == "check-extensions",
                "\(partial.stderr)")
        let optedOut = try await Run.virtlab(["lab", "grade", "check-extensions", "--uri", "test:///default", "--exit-zero"],
                                       environment: environment)
        #expect(optedOut.status == 0 && optedOut.stdout.contains("Grade: "), "\(optedOut.stderr)")
    }

    @Test func badNamesAndFormatsAreOneLineErrors() async throws {
        for (args, needle) in [(["lab", "check", "nope"], "no lab 'nope'"),
                               (["lab", "grade", "check-extensions", "--format", "xml"], "unknown format 'xml'"),
                               (["lab", "check", "check-extensions", "--step", "zz"], "has no step 'zz'"),
                               (["lab", "solve", "check-extensions", "--step", "zz"], "has no step 'zz'")] {
            let result = try await Run.virtlab(args)
            #expect(result.status == 1)
            #expect(result.stderr.split(separator: "\n").count == 1 && result.stderr.contains(needle), "\(result.stderr)")
        }
    }
}
