import Foundation
import ProcessRunner
import Testing
import TestTags
import TestSupport
@testable import Classroom
import Gradebook
import LabFormat
import VirtKit

/// A room of four student hosts, each in a network namespace of its own with its own sshd, machine-id, host
/// name and data: the teacher releases a lab, the students work and submit (one hands in a neighbour's
/// bundle, one edits hers after signing, one host is down), the teacher collects, grades live, reports and
/// exports for Moodle. Only the namespaces' own addresses are contacted.
@Suite(.tags(.daemon)) struct ClassroomEndToEndTests {
    @Test func aTeacherReleasesCollectsGradesAndExportsARoom() async throws {
        let room = try await TestClassroom([.init("pc01"), .init("pc02"), .init("pc03"), .init("pc04", down: true)])
        let suffix = UUID().uuidString.prefix(4).lowercased()
        let (alice, bob, carol, dave) = ("alice-\(suffix)", "bob-\(suffix)", "carol-\(suffix)", "dave-\(suffix)")
        let classPath = room.directory + "/class"
        await #expect(try Run.virtlab(["class", "init", classPath, "--name", "room 101", "--lab", "check-extensions"]).status == 0)
        try """
            name: room 101
            labs: [check-extensions]
            ssh_config: \(room.sshConfig)
            parallelism: 4
            host_timeout_seconds: 90

            """.write(toFile: classPath + "/class.yaml", atomically: true, encoding: .utf8)
        try """
            \(Roster.csvHeader)
            \(alice),Alice Liddell,alice@example.org,pc01
            \(bob),Bob Builder,bob@example.org,pc02
            \(carol),Carol Danvers,carol@example.org,pc03
            \(dave),Dave Lister,dave@example.org,pc04

            """.write(toFile: classPath + "/roster.csv", atomically: true, encoding: .utf8)
        for (student, host) in [(alice, "pc01"), (bob, "pc02"), (carol, "pc03")] {
            let enrolled = try await Run.virtlab(["class", "enrol", classPath, student, room.home(host) + "/id_ed25519.pub"])
            #expect(enrolled.status == 0, "\(enrolled.stderr)")
        }
        defer { for student in [alice, bob, carol] { try? FileManager.default.removeItem(atPath: "/tmp/virtlab-lab-\(student)") } }

        // Release: every reachable host gets its student's lab; the one that is down is a row saying so.
        let released = try await Run.virtlab(["class", "release", classPath])
        #expect(released.status == 1, "one host is down: \(released.stdout) \(released.stderr)")
        let rows = released.stdout.split(separator: "\n").map(String.init)
        #expect(rows.filter { $0.hasSuffix(" released") }.count == 3, "\(released.stdout)")
        #expect(rows.contains { $0.hasPrefix(dave) && $0.contains("unreachable") && $0.contains("Connection refused") },
                "\(released.stdout)")
        #expect(released.stderr.split(separator: "\n").filter { $0.hasPrefix("[") }.count == 4, "progress, host by host")
        // The host grades with the class's parameters, which only the teacher's secret makes.
        await #expect(try Run.virtlab(["class", "release", classPath, "libvirt-basics", "--student", alice]).status == 0)
        let params = try await Run.virtlab(["class", "params", classPath, "libvirt-basics", "--json"])
        let values = try #require(try JSONSerialization.jsonObject(with: Data(params.stdout.utf8)) as? [String: [String: String]])
        let vm = try #require(values[alice]?["vm"])
        let shown = room.onHost("pc01", ["virtlab", "lab", "show", "libvirt-basics"])
        #expect(shown.stdout.contains("vm = \(vm)"), "the host sees the class's values: \(shown.stdout) \(shown.stderr)")
        #expect(vm != "lab-\(alice)-" + Self.publicHash(lab: "libvirt-basics", student: alice), "not the public formula")

        // The students work. Alice solves the lab and submits; Carol submits what she has.
        let lms = room.directory + "/lms-download"
        for (student, host, folder, solve) in [(alice, "pc01", "Alice Liddell_101_assignsubmission_file_", true),
                                               (carol, "pc03", "Carol Danvers_103_assignsubmission_file_", false)] {
            if solve { #expect(room.onHost(host, ["virtlab", "lab", "solve", "check-extensions"]).status == 0) }
            let file = room.home(host) + "/result.virtlab-result"
            let submitted = room.onHost(host, ["virtlab", "lab", "submit", "check-extensions", "--output", file])
            #expect(submitted.status == 0 && submitted.stdout.contains("hand in \(file)"), "\(submitted.stdout) \(submitted.stderr)")
            try FileManager.default.createDirectory(atPath: lms + "/" + folder, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: file, toPath: lms + "/" + folder + "/check-extensions-\(student).virtlab-result")
        }
        let alicesFile = lms + "/Alice Liddell_101_assignsubmission_file_/check-extensions-\(alice).virtlab-result"
        let payload = try #require(try ResultBundle(file: try Data(contentsOf: URL(fileURLWithPath: alicesFile))).payload)
        #expect(payload.host.machineID == room.hosts[0].machineID && payload.host.hostName == "pc01",
                "the bundle carries the student host's own identity: \(payload.host)")
        #expect(payload.student == alice && payload.report.earned == payload.report.possible)
        // Bob hands in Alice's bundle; Carol raises her points in hers after signing; Dave uploads something else.
        let bobsFolder = lms + "/Bob Builder_102_assignsubmission_file_"
        try FileManager.default.createDirectory(atPath: bobsFolder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: alicesFile, toPath: bobsFolder + "/check-extensions-\(alice).virtlab-result")
        let carolsFile = lms + "/Carol Danvers_103_assignsubmission_file_/check-extensions-\(carol).virtlab-result"
        let carols = try String(contentsOfFile: carolsFile, encoding: .utf8)
        try carols.replacingOccurrences(of: "\\\"fail\\\"", with: "\\\"pass\\\"")
            .write(toFile: carolsFile, atomically: true, encoding: .utf8)
        let davesFolder = lms + "/Dave Lister_104_assignsubmission_file_"
        try FileManager.default.createDirectory(atPath: davesFolder, withIntermediateDirectories: true)
        try "my homework".write(toFile: davesFolder + "/result.virtlab-result", atomically: true, encoding: .utf8)

        // Collect: each fault is named.
        let collected = try await Run.virtlab(["class", "collect", classPath, lms])
        #expect(collected.status == 1, "flagged and refused bundles: \(collected.stdout) \(collected.stderr)")
        let lines = collected.stdout.split(separator: "\n").map(String.init)
        func line(_ student: String, _ verdict: String) -> Bool { lines.contains { $0.contains(" \(student) ") && $0.contains(" \(verdict) ") } }
        #expect(line(alice, "verified"), "\(collected.stdout)")
        #expect(lines.contains { $0.contains(" copied ") && $0.contains("handed in by \(bob) but signed by \(alice)") }, "\(collected.stdout)")
        #expect(line(carol, "edited"), "\(collected.stdout)")
        #expect(lines.contains { $0.contains(" refused ") && $0.contains("not JSON") }, "\(collected.stdout)")
        #expect(lines.last == "3 imported, 0 already there, 2 flagged, 1 refused (see 'virtlab class report \(classPath)')")
        let again = try await Run.virtlab(["class", "collect", classPath, lms])
        #expect(again.stdout.split(separator: "\n").last.map(String.init) == "0 imported, 3 already there, 2 flagged, 1 refused "
                + "(see 'virtlab class report \(classPath)')", "re-importing changes nothing: \(again.stdout)")

        // Live grades: the authority, stored beside the submissions.
        let graded = try await Run.virtlab(["class", "grade", classPath, "--format", "json"])
        #expect(graded.status == 1, "not everyone has full marks")
        let verified = try await Run.virtlab(["class", "report", classPath, "--verify"])
        #expect(verified.status == 0 && verified.stdout.hasSuffix("signed attempts checked: every one matches its signature\n"),
                "\(verified.stdout) \(verified.stderr)")
        let report = try await Run.virtlab(["class", "report", classPath])
        let reportRows = report.stdout.split(separator: "\n").map(String.init)
        let full = "\(payload.report.possible)/\(payload.report.possible)"
        #expect(reportRows.contains { $0.hasPrefix(alice) && $0.contains(" \(full) ") && $0.contains("live") }, "\(report.stdout)")
        #expect(reportRows.contains { $0.hasPrefix(bob) && $0.contains("copied") }, "\(report.stdout)")
        #expect(reportRows.contains { $0.hasPrefix(carol) && $0.contains("edited") }, "\(report.stdout)")
        #expect(reportRows.contains { $0.hasPrefix(dave) && $0.contains("live unreachable") }, "\(report.stdout)")

        // Feedback goes back to each host; the student reads it there.
        let feedback = try await Run.virtlab(["class", "feedback", classPath, "check-extensions"])
        #expect(feedback.status == 1 && feedback.stdout.contains("sent") && feedback.stdout.contains("unreachable"),
                "the host that is down is a row: \(feedback.stdout) \(feedback.stderr)")
        let read = room.onHost("pc03", ["virtlab", "lab", "feedback", "check-extensions"])
        #expect(read.status == 0 && read.stdout.hasPrefix("# Feedback: "), "\(read.stdout) \(read.stderr)")
        #expect(read.stdout.contains("from the live grade of your host") && read.stdout.contains("Flagged and not counted — edited"),
                "\(read.stdout)")
        #expect(read.stdout.contains("## Hints") && read.stdout.contains("mkdir -p /tmp/virtlab-lab-\(carol)"),
                "hints for what is not passed, with her own values: \(read.stdout)")
        let exchange = room.directory + "/exchange"
        await #expect(try Run.virtlab(["class", "feedback", classPath, "check-extensions", "--student", alice,
                                 "--exchange", exchange]).status == 0)
        #expect(FileManager.default.fileExists(atPath: "\(exchange)/\(alice)/check-extensions-feedback.md"))

        // Moodle's import: an email column, one column of points per lab, its feedback.
        let export = room.directory + "/moodle.csv"
        await #expect(try Run.virtlab(["class", "export", classPath, "--format", "moodle", "--output", export]).status == 0)
        let records = try Self.parseCSV(file: export)
        #expect(records.first == ["Email address", "check-extensions", "check-extensions feedback"])
        let byEmail = Dictionary(uniqueKeysWithValues: records.dropFirst().map { ($0[0], $0) })
        #expect(byEmail["alice@example.org"]?[1] == "\(payload.report.possible)", "\(records)")
        #expect(byEmail["dave@example.org"]?[1] == "" && records.count == 5, "\(records)")
    }

    /// A lab the teacher wrote, which no host has: released with its file, graded live and submitted on two hosts;
    /// a host that edits the released file is flagged when its bundle is collected.
    @Test func aLabOnlyTheTeacherHasIsReleasedGradedLiveAndSubmitted() async throws {
        let room = try await TestClassroom([.init("pc01"), .init("pc02")])
        let suffix = UUID().uuidString.prefix(4).lowercased()
        let (erin, frank) = ("erin-\(suffix)", "frank-\(suffix)")
        defer { for student in [erin, frank] { try? FileManager.default.removeItem(atPath: "/tmp/virtlab-own-\(student)") } }
        let classPath = room.directory + "/class"
        await #expect(try Run.virtlab(["class", "init", classPath, "--name", "room 7", "--lab", "check-extensions"]).status == 0)
        try FileManager.default.createDirectory(atPath: classPath + "/labs", withIntermediateDirectories: true)
        let ownLab = TestClassroom.teachersOwnLab(id: "room7-own-\(suffix)", title: "A lab of room 7's own",
                                                  place: "/tmp/virtlab-own-{student}")
        try ownLab.write(toFile: classPath + "/labs/own.yaml", atomically: true, encoding: .utf8)
        try "name: room 7\nlabs: [room7-own-\(suffix)]\nssh_config: \(room.sshConfig)\nhost_timeout_seconds: 90\n"
            .write(toFile: classPath + "/class.yaml", atomically: true, encoding: .utf8)
        try (Roster.csvHeader + "\n\(erin),Erin,,pc01\n\(frank),Frank,,pc02\n")
            .write(toFile: classPath + "/roster.csv", atomically: true, encoding: .utf8)
        for (student, host) in [(erin, "pc01"), (frank, "pc02")] {
            await #expect(try Run.virtlab(["class", "enrol", classPath, student, room.home(host) + "/id_ed25519.pub"]).status == 0)
            #expect(!room.onHost(host, ["virtlab", "lab", "list"]).stdout.contains("room7-own"), "the hosts do not have it")
        }

        let released = try await Run.virtlab(["class", "release", classPath])
        #expect(released.status == 0 && released.stdout.split(separator: "\n").filter { $0.hasSuffix(" released") }.count == 2,
                "\(released.stdout) \(released.stderr)")
        let listed = room.onHost("pc01", ["virtlab", "lab", "list"]).stdout
        #expect(listed.contains("room7-own-\(suffix)") && listed.contains("/releases"), "kept beside the release: \(listed)")

        // Erin solves it; live grading reads her host's copy of the released file.
        #expect(room.onHost("pc01", ["virtlab", "lab", "solve", "room7-own-\(suffix)"]).status == 0)
        let graded = try await Run.virtlab(["class", "grade", classPath, "--format", "json", "--exit-zero"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(graded.stdout.utf8)) as? [[String: Any]], "\(graded.stdout)")
        let earned = Dictionary(uniqueKeysWithValues: rows.compactMap { row in
            (row["student"] as? String).map { ($0, row["earned"] as? Int ?? -1) }
        })
        #expect(earned[erin] == 2 && earned[frank] == 0, "\(graded.stdout)")

        // Both submit; Frank first makes the released check pass whatever he did, and his bundle says so.
        let dropbox = room.directory + "/dropbox"
        try FileManager.default.createDirectory(atPath: dropbox, withIntermediateDirectories: true)
        let frankHome = room.home("pc02")
        let kept = "\(frankHome)/data/virtlab/releases/room7-own-\(suffix).yaml"
        let edited = try String(contentsOfFile: kept, encoding: .utf8).replacingOccurrences(of: "exists: true", with: "exists: false")
        try edited.write(toFile: kept, atomically: true, encoding: .utf8)
        for (student, host) in [(erin, "pc01"), (frank, "pc02")] {
            let file = room.home(host) + "/own.virtlab-result"
            let submitted = room.onHost(host, ["virtlab", "lab", "submit", "room7-own-\(suffix)", "--output", file])
            #expect(submitted.status == 0, "\(submitted.stdout) \(submitted.stderr)")
            try FileManager.default.copyItem(atPath: file, toPath: "\(dropbox)/own-\(student).virtlab-result")
        }
        let collected = try await Run.virtlab(["class", "collect", classPath, dropbox])
        let lines = collected.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.contains(" \(erin) ") && $0.contains(" verified ") }, "\(collected.stdout)")
        #expect(lines.contains { $0.contains(" \(frank) ") && $0.contains(" lab-changed ") }, "\(collected.stdout)")

        // A class lab that does not load is refused at its line, and nothing is sent.
        try ownLab.replacingOccurrences(of: "    title: Make the directory", with: "    titel: Make the directory")
            .write(toFile: classPath + "/labs/own.yaml", atomically: true, encoding: .utf8)
        let refused = try await Run.virtlab(["class", "release", classPath])
        #expect(refused.status != 0 && refused.stderr.contains("labs/own.yaml:6:5: a step needs 'title'") && refused.stdout.isEmpty, "\(refused.stderr)")
    }

    /// `class up` and `class reset`: a lab's environment made on every reachable host at once (the hosts reach the
    /// test run's libvirtd through its socket), a host that is down a row of its own.
    @Test func aLabsEnvironmentIsBroughtUpAndResetOnEveryHost() async throws {
        let room = try await TestClassroom([.init("pc01"), .init("pc02", down: true)])
        let suffix = UUID().uuidString.prefix(4).lowercased()
        let (gina, hal) = ("gina-\(suffix)", "hal-\(suffix)")
        let (lab, vm) = ("world-\(suffix)", "world-\(gina)")
        let classPath = room.directory + "/class"
        await #expect(try Run.virtlab(["class", "init", classPath, "--name", "room 8", "--lab", "check-extensions"]).status == 0)
        try FileManager.default.createDirectory(atPath: classPath + "/labs", withIntermediateDirectories: true)
        try """
            id: \(lab)
            title: A world of its own
            parameters: {vm: "world-{student}"}
            environment:
              machines: [{name: "{{vm}}", memory: 64M, disk: 16M, state: shut off}]
            steps:
              - id: look
                title: Look at {{vm}}
                instructions: "virsh dominfo {{vm}}"
                checks: [{id: two, title: "{{vm}} has two vCPUs", domain: {name: "{{vm}}", vcpus: {eq: 2}}}]

            """.write(toFile: classPath + "/labs/world.yaml", atomically: true, encoding: .utf8)
        try "name: room 8\nlabs: [\(lab)]\nssh_config: \(room.sshConfig)\nhost_timeout_seconds: 120\n"
            .write(toFile: classPath + "/class.yaml", atomically: true, encoding: .utf8)
        try (Roster.csvHeader + "\n\(gina),Gina,,pc01\n\(hal),Hal,,pc02\n").write(toFile: classPath + "/roster.csv", atomically: true, encoding: .utf8)
        await #expect(try Run.virtlab(["class", "enrol", classPath, gina, room.home("pc01") + "/id_ed25519.pub"]).status == 0)
        let connection = try QEMUTestGuest.connect()
        defer {
            _ = room.onHost("pc01", ["virtlab", "lab", "down", lab])
            QEMUTestGuest.cleanUp(connection, name: vm)
        }
        _ = try await Run.virtlab(["class", "release", classPath])

        let up = try await Run.virtlab(["class", "up", classPath, lab])
        #expect(up.status == 1, "one host is down: \(up.stdout) \(up.stderr)")
        let rows = up.stdout.split(separator: "\n").map(String.init)
        #expect(rows.contains { $0.hasPrefix(gina) && $0.hasSuffix("\(lab)'s environment is up (2 changes)") }, "\(up.stdout)")
        #expect(rows.contains { $0.hasPrefix(hal) && $0.contains("unreachable") }, "\(up.stdout)")
        #expect(up.stderr.split(separator: "\n").filter { $0.hasPrefix("[") }.count == 2, "progress, host by host")
        let mark = try await blocking { try connection.domain(named: vm).labMark() }
        #expect(mark == LabMark(lab: lab, student: gina), "the host made it for its student")

        // Gina changes it; the teacher puts every host back.
        #expect(room.onHost("pc01", ["virsh", "-c", "qemu:///system", "setmaxmem", vm, "96M", "--config"]).status == 0)
        let reset = try await Run.virtlab(["class", "reset", classPath, lab, "--student", gina])
        #expect(reset.status == 0 && reset.stdout.contains("\(lab) is reset: its environment is back to the baseline"),
                "\(reset.stdout) \(reset.stderr)")
        #expect(try await blocking { try connection.domain(named: vm).details().maxMemoryKiB } == 64 * 1024, "back to the baseline")
        let refused = try await Run.virtlab(["class", "up", classPath, "check-extensions"])
        #expect(refused.status != 0 && refused.stderr.contains("declares no environment"), "\(refused.stderr)")
    }

    /// `virtlab ui --class` in a terminal: the Class pane's grid, and every student host's VMs over qemu+ssh
    /// (through the class's ssh config) in one list, the host that is down named and not holding up the others.
    @Test func theTeachersDashboardWatchesTheRoom() async throws {
        let room = try await TestClassroom([.init("pc01"), .init("pc02"), .init("pc03", down: true)])
        let suffix = UUID().uuidString.prefix(4).lowercased()
        let ids = ["pc01", "pc02", "pc03"].map { "\($0)-\(suffix)" }
        let classPath = room.directory + "/class"
        await #expect(try Run.virtlab(["class", "init", classPath, "--name", "room 7", "--lab", "check-extensions"]).status == 0)
        try "name: room 7\nlabs: [check-extensions]\nssh_config: \(room.sshConfig)\nhost_timeout_seconds: 60\n"
            .write(toFile: classPath + "/class.yaml", atomically: true, encoding: .utf8)
        try (Roster.csvHeader + "\n" + ids.map { "\($0),Student \($0.prefix(4)),\($0)@example.org,\($0.prefix(4))" }
            .joined(separator: "\n") + "\n").write(toFile: classPath + "/roster.csv", atomically: true, encoding: .utf8)
        defer { for id in ids { try? FileManager.default.removeItem(atPath: "/tmp/virtlab-lab-\(id)") } }
        await #expect(try Run.virtlab(["class", "grade", classPath, "--exit-zero"]).status == 0)
        // A VM on the hosts' libvirtd (the namespaces share one), so each host's list has one.
        let vm = "vlclass-\(suffix)"
        let xml = room.directory + "/\(vm).xml"
        try "<domain type='qemu'><name>\(vm)</name><memory unit='MiB'>64</memory><os><type>hvm</type></os></domain>"
            .write(toFile: xml, atomically: true, encoding: .utf8)
        let defined = ProcessRunner.run(["virsh", "-c", "qemu:///system", "define", xml])
        #expect(defined.status == 0, "\(defined.stderr)")
        defer { _ = ProcessRunner.run(["virsh", "-c", "qemu:///system", "undefine", vm]) }

        let session = try await TmuxSession([Run.virtlabBinary, "ui", "--uri", "test:///default", "--class", classPath,
                                       "--delay", "1"])
        #expect(await session.waitFor("Class room 7"), "\(session.lastScreen)")
        #expect(await session.waitFor("unreachable"), "the host that is down: \(session.lastScreen)")
        let grid = await session.screen()
        #expect(grid.contains("[0/9]") && grid.contains(ids[1]), "\(grid)")
        try await session.send("1")
        #expect(await session.waitFor("LOST: pc03"), "\(session.lastScreen)")
        for host in ["pc01", "pc02"] {
            let shown = await eventually(timeout: .seconds(30), every: .milliseconds(100)) {
                await session.screen().split(separator: "\n").contains { $0.contains("│\(host) ") && $0.contains(vm) }
            }
            #expect(shown, "\(host)'s VM: \(session.lastScreen)")
        }
        // Re-grading one student from the grid, then reading the report with its evidence.
        let gradebook = try Gradebook(path: classPath + "/gradebook.sqlite")
        let liveGrades = { try gradebook.attempts(student: ids[0]).filter { $0.kind == .live }.count }
        let before = try liveGrades()
        try await session.send("6")
        try await session.send("r")
        // The grade itself, in the gradebook (the status line that says so is gone after a few seconds).
        #expect(await eventually(timeout: .seconds(60), every: .milliseconds(100)) { try liveGrades() > before },
                "\(session.lastScreen)")
        try await session.send("Enter")
        #expect(await session.waitFor("Live grade of"), "\(session.lastScreen)")
        #expect(await session.waitFor("expected:"), "the evidence is in the report: \(session.lastScreen)")
        try await session.send("Escape")
        try await session.send("q")
        #expect(await session.waitFor("VIRTLAB_EXIT=0"), "\(session.lastScreen)")
    }

    /// A tampered host answers `lab grade` with a report full of terminal escapes, another fails with them in
    /// its last words: the teacher's rows, report, feedback files and Class pane show the words, never the escapes.
    @Test func aHostileHostsWordsReachTheTeacherWithoutControlCharacters() async throws {
        let suffix = UUID().uuidString.prefix(4).lowercased()
        let (mallory, trudy) = ("mallory-\(suffix)", "trudy-\(suffix)")
        let escapes = HostileReportTests.escapes
        let check = CheckResult(step: "s1", check: "c1", title: "VM is up" + escapes, status: .fail, points: 2,
                                expected: "running" + escapes, got: "shut off" + escapes, command: "virsh list" + escapes,
                                output: "out" + escapes, message: "msg" + escapes, attempts: 1)
        let printed = ReportFormat.json.render(LabReport(
            lab: "check-extensions", title: "Lab" + escapes, student: mallory, date: Date(),
            steps: [StepReport(id: "s1", title: "Step" + escapes, results: [check])], virtlabVersion: "0.10.0\u{1b}[2J"))
        #expect(printed.contains("\\u001b"), "the host's JSON carries the escapes")
        let shellQuoted = "'" + printed.replacingOccurrences(of: "'", with: "'\\''") + "'"
        let room = try await TestClassroom([
            .init("pc01", impostorVirtlab: "printf '%s\\n' \(shellQuoted)\n"),
            .init("pc02", impostorVirtlab: "printf 'first\\nbroken\\033]0;owned\\007\\033[2J\\n' >&2; exit 3\n"),
        ])
        let classPath = room.directory + "/class"
        await #expect(try Run.virtlab(["class", "init", classPath, "--name", "room 9", "--lab", "check-extensions"]).status == 0)
        try "name: room 9\nlabs: [check-extensions]\nssh_config: \(room.sshConfig)\nhost_timeout_seconds: 60\n"
            .write(toFile: classPath + "/class.yaml", atomically: true, encoding: .utf8)
        try (Roster.csvHeader + "\n\(mallory),Mallory,,pc01\n\(trudy),Trudy,,pc02\n")
            .write(toFile: classPath + "/roster.csv", atomically: true, encoding: .utf8)

        for format in ["text", "csv", "json"] {
            let graded = try await Run.virtlab(["class", "grade", classPath, "--format", format, "--exit-zero"])
            #expect(graded.status == 0, "\(graded.stderr)")
            #expect(!HostileReportTests.hasControl(graded.stdout.replacingOccurrences(of: "\r\n", with: "\n"))
                    && !HostileReportTests.hasControl(graded.stderr), "\(format): \(graded.stdout.debugDescription)")
            if format == "text" {
                #expect(graded.stdout.contains("0/2") && graded.stdout.contains("failed: broken]0;owned[2J"), "\(graded.stdout)")
            }
        }
        let report = try await Run.virtlab(["class", "report", classPath])
        #expect(report.status == 0 && !HostileReportTests.hasControl(report.stdout) && report.stdout.contains(mallory),
                "\(report.stdout.debugDescription)")
        _ = try await Run.virtlab(["class", "feedback", classPath, "check-extensions"])
        let written = try String(contentsOfFile: "\(classPath)/feedback/check-extensions/\(mallory).md", encoding: .utf8)
        #expect(written.contains("VM is up]0;owned[2J") && !HostileReportTests.hasControl(written), "\(written.debugDescription)")

        let session = try await TmuxSession([Run.virtlabBinary, "ui", "--uri", "test:///default", "--class", classPath])
        #expect(await session.waitFor("Class room 9"), "\(session.lastScreen)")
        try await session.send("Down")
        #expect(await session.waitFor("failed: broken]0;owned[2J"), "trudy's host's words: \(session.lastScreen)")
        try await session.send("Up")
        try await session.send("Enter")
        #expect(await session.waitFor("VM is up]0;owned[2J"), "mallory's report, its words visible: \(session.lastScreen)")
        #expect(!session.lastScreen.contains("^["), "\(session.lastScreen)")
        try await session.send("Escape")
        try await session.send("q")
        #expect(await session.waitFor("VIRTLAB_EXIT=0"), "\(session.lastScreen)")
    }

    static func publicHash(lab: String, student: String) -> String {
        let digest = ProcessRunner.run(["sh", "-c", "printf %s '\(lab)/\(student)' | sha256sum"]).stdout
        return String(digest.prefix(6))
    }

    /// The file as a CSV reader of its own reads it (Python's csv module, as spreadsheets and LMS importers do).
    static func parseCSV(file: String) throws -> [[String]] {
        let read = ProcessRunner.run(["python3", "-c", "import csv, json, sys; print(json.dumps(list(csv.reader(open(sys.argv[1], newline='')))))", file])
        return try JSONDecoder().decode([[String]].self, from: Data(read.stdout.utf8))
    }
}
