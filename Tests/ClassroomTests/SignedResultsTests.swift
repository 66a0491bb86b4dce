import BuiltIn
import Foundation
import GRDB
import LabFormat
import ProcessRunner
import Testing
import TestTags
import TestSupport
@testable import Classroom
@testable import Gradebook

/// A class of three enrolled students and one stranger, with real ssh-keygen keys and signatures: what a
/// teacher's `class collect` makes of honest, edited, copied, replayed and unknown bundles, and the gradebook
/// that keeps them. No hosts: the bundles are made here as `lab submit` makes them.
final class SignedClass {
    let path = NSTemporaryDirectory() + "virtlab-signed-\(UUID().uuidString.prefix(8))"
    let directory: ClassDirectory
    let secret: ClassSecret
    let gradebook: Gradebook
    var releases: [String: LabRelease] = [:]

    init() throws {
        directory = try ClassDirectory.create(at: path, name: "signed", labs: ["lab1"])
        try """
            \(Roster.csvHeader)
            alice,Alice Liddell,alice@example.org,pc01
            bob,Bob Builder,bob@example.org,pc02
            carol,Carol Danvers,carol@example.org,pc03

            """.write(toFile: path + "/roster.csv", atomically: true, encoding: .utf8)
        let key = { [path] (name: String) in path + "/key-" + name }
        for name in ["alice", "bob", "carol", "mallory"] {
            let made = ProcessRunner.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key(name)])
            guard made.status == 0 else { throw SSHSignature.Failure(description: made.stderr) }
        }
        for name in ["alice", "bob", "carol"] {
            try directory.enrol(student: name, publicKeyLine: try String(contentsOfFile: key(name) + ".pub", encoding: .utf8))
        }
        secret = try directory.secret()
        gradebook = try Gradebook(path: directory.gradebookFile)
        try gradebook.record(roster: try directory.roster().students)
        for name in ["alice", "bob", "carol"] { try release(to: name) }
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func key(_ name: String) -> String { path + "/key-" + name }

    @discardableResult
    func release(to student: String) throws -> LabRelease {
        let release = LabRelease(classID: secret.classID, className: "signed", lab: "lab1", student: student,
                                 parameterHash: secret.parameterHash(lab: "lab1", student: student),
                                 nonce: LabRelease.freshNonce(), releasedAt: Date(), labDigest: Data("lab file".utf8).sha256Hex)
        try gradebook.record(release)
        try gradebook.markDelivered(release)
        releases[student] = release
        return release
    }

    /// A result as `lab submit` makes it: `earned` of 3 checks passed, on the given host.
    /// - labFile: the lab file the host graded with (the one released, unless a test says otherwise).
    func bundle(for release: LabRelease, signedBy signer: String, machine: String, earned: Int = 3,
                labFile: String = "lab file", virtlabVersion: String? = BuiltIn.version) throws -> ResultBundle {
        let results = (0..<3).map { index in
            CheckResult(step: "s1", check: "c\(index)", title: "check \(index)", status: index < earned ? .pass : .fail,
                        points: 1, expected: "x", got: index < earned ? "x" : "y", command: nil, output: nil,
                        message: nil, attempts: 1)
        }
        let report = LabReport(lab: "lab1", title: "Lab one", student: release.student, date: Date(),
                               steps: [StepReport(id: "s1", title: "Step one", results: results)], virtlabVersion: virtlabVersion)
        let payload = ResultPayload(release: release, labDigest: Data(labFile.utf8).sha256Hex,
                                    host: HostIdentity(machineID: machine, systemUUID: nil, hostName: "pc"),
                                    submittedAt: Date(), report: report)
        return try ResultBundle(signing: payload, key: key(signer))
    }

    func inspect(_ bundle: ResultBundle, handedInAs path: String = "upload/result.virtlab-result") throws -> Verdict {
        let inspector = try BundleInspector(directory: directory)
        return try inspector.inspect(bundle, submittedBy: inspector.submitter(of: path), records: try gradebook.records())
    }

    /// Reads a bundle back from its file, as `class collect` does.
    func reread(_ bundle: ResultBundle) throws -> ResultBundle { try ResultBundle(file: try bundle.fileData()) }
}

@Suite(.tags(.pure)) struct SignedResultsTests {
    @Test func anHonestBundleIsVerifiedAndImportedOnce() throws {
        let room = try SignedClass()
        let bundle = try room.reread(try room.bundle(for: room.releases["alice"]!, signedBy: "alice", machine: "m-alice", earned: 2))
        let verdict = try room.inspect(bundle)
        #expect(verdict == Verdict(.verified, "signed by alice", signer: "alice"))
        guard case .added(let id) = try room.gradebook.import(bundle, verdict: verdict, source: "a") else {
            Issue.record("not added"); return
        }
        #expect(try room.gradebook.import(bundle, verdict: verdict, source: "again") == .alreadyThere(id),
                "importing the same bundle again changes nothing")
        #expect(try room.gradebook.attempts().count == 1)
        let checks = try room.gradebook.checks(attempt: id)
        #expect(checks.map(\.status) == [.pass, .pass, .fail] && checks.last?.got == "y", "per-check evidence is kept")
        let table = try ClassTable(gradebook: room.gradebook, students: try room.directory.roster().students, labs: ["lab1"])
        #expect(table.cell("alice", "lab1").earned == 2 && table.cell("alice", "lab1").from == .submitted)
    }

    /// A bundle graded by a virtlab older than the teacher's earns its points and is flagged on the row.
    @Test func aBundleOfAnotherVirtlabIsVerifiedAndFlagged() async throws {
        let room = try SignedClass()
        let older = try room.bundle(for: room.releases["alice"]!, signedBy: "alice", machine: "m-alice", virtlabVersion: nil)
        let dropbox = room.path + "/dropbox"
        try FileManager.default.createDirectory(atPath: dropbox, withIntermediateDirectories: true)
        try older.fileData().write(to: URL(fileURLWithPath: dropbox + "/lab1-alice.virtlab-result"))
        let collected = try await Run.virtlab(["class", "collect", room.path, dropbox])
        let row = collected.stdout.split(separator: "\n").first { $0.contains(" alice ") }.map(String.init) ?? ""
        #expect(collected.status == 0 && row.contains(" verified ") && row.hasSuffix("virtlab older than 0.10.0 there, \(BuiltIn.version) here")
                && collected.stderr.contains("1 row flagged"), "\(collected.stdout)\(collected.stderr)")
    }

    @Test func aBundleChangedAfterSigningIsEdited() throws {
        let room = try SignedClass()
        let honest = try room.bundle(for: room.releases["carol"]!, signedBy: "carol", machine: "m-carol", earned: 1)
        let text = String(decoding: try honest.fileData(), as: UTF8.self)
            .replacingOccurrences(of: "\\\"fail\\\"", with: "\\\"pass\\\"")
        #expect(text != String(decoding: try honest.fileData(), as: UTF8.self), "the edit happened")
        let edited = try ResultBundle(file: Data(text.utf8))
        #expect(edited.payload.report.earned == 3)
        let verdict = try room.inspect(edited)
        #expect(verdict.kind == .edited && verdict.signer == "carol", "\(verdict)")
        _ = try room.gradebook.import(edited, verdict: verdict, source: "c")
        let cell = try ClassTable(gradebook: room.gradebook, students: try room.directory.roster().students, labs: ["lab1"])
            .cell("carol", "lab1")
        #expect(cell.earned == nil && cell.flags.first?.hasPrefix("edited:") == true, "an edited result earns nothing")
    }

    @Test func everyWayOfCopyingANeighboursResultIsCaught() throws {
        let room = try SignedClass()
        let alices = try room.bundle(for: room.releases["alice"]!, signedBy: "alice", machine: "m-alice")
        _ = try room.gradebook.import(alices, verdict: try room.inspect(alices), source: "a")
        // Bob hands in Alice's file as it is, from his own LMS folder.
        let handedIn = try room.inspect(alices, handedInAs: "Bob Builder_4242_assignsubmission_file_/lab1-alice.virtlab-result")
        #expect(handedIn == Verdict(.copied, "handed in by bob but signed by alice", signer: "alice", student: "bob"))
        // Bob signs Alice's result with his own key.
        let resigned = try room.bundle(for: room.releases["alice"]!, signedBy: "bob", machine: "m-alice")
        #expect(try room.inspect(resigned) == Verdict(.copied, "signed by bob but carries alice's results", signer: "bob", student: "bob"))
        // Bob puts his name on Alice's release and signs it.
        let alicesRelease = room.releases["alice"]!
        let renamed = LabRelease(classID: alicesRelease.classID, className: "signed", lab: "lab1", student: "bob",
                                 parameterHash: alicesRelease.parameterHash, nonce: alicesRelease.nonce,
                                 releasedAt: alicesRelease.releasedAt, labDigest: alicesRelease.labDigest)
        let verdict = try room.inspect(try room.bundle(for: renamed, signedBy: "bob", machine: "m-bob"))
        #expect(verdict == Verdict(.copied, "carries alice's parameters, not bob's", signer: "bob", student: "bob"))
        // Bob grades on Alice's machine with his own release.
        let sameHost = try room.inspect(try room.bundle(for: room.releases["bob"]!, signedBy: "bob", machine: "m-alice"))
        #expect(sameHost.kind == .copied && sameHost.detail.hasPrefix("made on alice's host"), "\(sameHost)")
        // His own work, on his own host, is his.
        #expect(try room.inspect(try room.bundle(for: room.releases["bob"]!, signedBy: "bob", machine: "m-bob")).kind == .verified)
    }

    @Test func aBundleGradedWithAnotherLabFileIsFlaggedLabChanged() throws {
        let room = try SignedClass()
        // Alice edited the released lab file on her host (a check made easier) and graded that.
        let bundle = try room.bundle(for: room.releases["alice"]!, signedBy: "alice", machine: "m-alice",
                                     labFile: "lab file, easier")
        let verdict = try room.inspect(bundle)
        #expect(verdict.kind == .labChanged && verdict.detail.contains("re-grade live"), "\(verdict)")
        _ = try room.gradebook.import(bundle, verdict: verdict, source: "a")
        let cell = try ClassTable(gradebook: room.gradebook, students: try room.directory.roster().students, labs: ["lab1"])
            .cell("alice", "lab1")
        #expect(cell.counted == nil, "a lab-changed bundle earns nothing")
    }

    @Test func anEarlierReleaseIsReplayedAndAStrangersKeyIsUnknown() throws {
        let room = try SignedClass()
        let old = try room.bundle(for: room.releases["alice"]!, signedBy: "alice", machine: "m-alice")
        try room.release(to: "alice")
        #expect(try room.inspect(old).kind == .replayed)
        let fresh = try room.bundle(for: room.releases["alice"]!, signedBy: "alice", machine: "m-alice")
        #expect(try room.inspect(fresh).kind == .verified, "the new release's bundle is fine")
        let stranger = try room.bundle(for: room.releases["carol"]!, signedBy: "mallory", machine: "m-carol")
        #expect(try room.inspect(stranger) == Verdict(.unknownSigner, "no enrolled key made its signature", signer: nil))
    }

    @Test func whatIsNotABundleOfThisClassIsRefusedInOneLine() throws {
        let room = try SignedClass()
        let good = try room.bundle(for: room.releases["alice"]!, signedBy: "alice", machine: "m").fileData()
        for (data, message) in [(Data(), "empty: not a virtlab result"),
                                (good.prefix(good.count / 2), "not JSON (truncated, or not a virtlab result)"),
                                (Data("{\"name\": \"x\"}".utf8), "not a virtlab result (no 'virtlab_result', 'payload' and 'signature')"),
                                (Data("{\"virtlab_result\": 2, \"payload\": \"{}\", \"signature\": \"\"}".utf8),
                                 "a virtlab result of version 2: this virtlab reads 1 (update it)")] {
            #expect(throws: ResultBundle.Unreadable(description: message)) { try ResultBundle(file: data) }
        }
        let other = try SignedClass()
        let foreign = try other.bundle(for: other.releases["alice"]!, signedBy: "alice", machine: "m")
        let refusal = #expect(throws: BundleInspector.Refusal.self) { try room.inspect(foreign) }
        #expect(refusal?.description == "made for another class named 'signed' (another class directory, another secret)")
    }

    @Test func aGradebookThatIsLockedNewerOrNotOneIsOneLineAndKeepsItsRows() throws {
        let room = try SignedClass()
        let bundle = try room.bundle(for: room.releases["alice"]!, signedBy: "alice", machine: "m")
        _ = try room.gradebook.import(bundle, verdict: try room.inspect(bundle), source: "a")
        // Another program holds the write lock: a clear line, nothing half-written.
        let other = try DatabaseQueue(path: room.directory.gradebookFile)
        let blocked = try other.writeWithoutTransaction { db -> String in
            try db.execute(sql: "BEGIN EXCLUSIVE")
            defer { try? db.execute(sql: "ROLLBACK") }
            do { try room.release(to: "bob"); return "wrote" } catch { return "\(error)" }
        }
        #expect(blocked == "\(room.directory.gradebookFile) is locked by another program (another virtlab?): try again when it is done")
        #expect(try room.gradebook.attempts().count == 1)
        // A newer virtlab's migration.
        try other.write { db in try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')") }
        #expect(throws: GradebookError(description: "\(room.directory.gradebookFile) was written by a newer virtlab: update virtlab to use it")) {
            _ = try Gradebook(path: room.directory.gradebookFile)
        }
        let garbage = room.path + "/garbage.sqlite"
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: garbage))
        #expect(throws: GradebookError(description: "\(garbage) is not a gradebook (not an SQLite database, or damaged): move it away")) {
            _ = try Gradebook(path: garbage)
        }
    }

    @Test func aRowChangedInTheDatabaseNoLongerMatchesItsSignature() throws {
        let room = try SignedClass()
        let bundle = try room.bundle(for: room.releases["alice"]!, signedBy: "alice", machine: "m", earned: 1)
        _ = try room.gradebook.import(bundle, verdict: try room.inspect(bundle), source: "a")
        let report = bundle.payload.report
        let bytes = Data(ReportFormat.json.render(report).utf8)
        let signature = try SSHSignature.sign(bytes, key: try room.directory.teacherKey(), namespace: SSHSignature.gradeNamespace)
        try room.gradebook.recordLive(student: "alice", lab: "lab1", status: "graded", detail: "1/3", report: report,
                                      reportBytes: bytes, host: "pc01", signature: signature, at: Date())
        try room.directory.enrolTeacher()
        let clean = try room.gradebook.verifySignatures(allowedSigners: room.directory.allowedSignersFile)
        #expect(clean.checked == 2 && clean.mismatches.isEmpty, "\(clean)")
        // Someone raises the points with sqlite3.
        try DatabaseQueue(path: room.directory.gradebookFile).write { db in
            try db.execute(sql: "UPDATE attempts SET earned = 3")
        }
        let tampered = try room.gradebook.verifySignatures(allowedSigners: room.directory.allowedSignersFile)
        #expect(tampered.mismatches.map(\.problem) == ["its points (3/3) are not the signed report's (1/3)",
                                                       "its points (3/3) are not the signed report's (1/3)"])
    }

    @Test func exportsAreWhatAnLMSImports() throws {
        let room = try SignedClass()
        let alices = try room.bundle(for: room.releases["alice"]!, signedBy: "alice", machine: "m-a", earned: 3)
        _ = try room.gradebook.import(alices, verdict: try room.inspect(alices), source: "a")
        let copied = try room.bundle(for: room.releases["alice"]!, signedBy: "bob", machine: "m-a")
        _ = try room.gradebook.import(copied, verdict: try room.inspect(copied), source: "b")
        try room.gradebook.recordLive(student: "carol", lab: "lab1", status: "unreachable", detail: "unreachable: refused",
                                      report: nil, reportBytes: nil, host: "pc03", signature: nil, at: Date())
        let table = try ClassTable(gradebook: room.gradebook, students: try room.directory.roster().students, labs: ["lab1"])
        let moodle = table.moodle().components(separatedBy: "\r\n")
        #expect(moodle[0] == "\"Email address\",\"lab1\",\"lab1 feedback\"")
        #expect(moodle[1] == "\"alice@example.org\",\"3\",\"3/3 (submitted)\"")
        #expect(moodle[2].hasPrefix("\"bob@example.org\",\"\",\"no grade yet; copied: signed by bob"), "\(moodle[2])")
        #expect(moodle[3] == "\"carol@example.org\",\"\",\"no grade yet\"" && moodle[4].isEmpty && moodle.count == 5)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(try table.json().utf8)) as? [[String: Any]])
        #expect(((json[0]["labs"] as? [String: Any])?["lab1"] as? [String: Any])?["earned"] as? Int == 3)
        let text = table.text(now: Date())
        #expect(text.contains("live unreachable") && text.contains("copied: signed by bob"), "\(text)")
    }
}

/// The classroom commands' bad input, as a teacher or a student types it: one line each, nothing changed.
@Suite(.tags(.pure)) struct ClassroomBadInputTests {
    @Test func everyRefusalIsOneLine() async throws {
        let room = try SignedClass()
        let home = room.path + "/student-data"
        let student = ["XDG_DATA_HOME": home, "XDG_STATE_HOME": home]
        try "not a key\n".write(toFile: room.path + "/bad.pub", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: room.path + "/empty", withIntermediateDirectories: true)
        let cases: [([String], [String: String], String)] = [
            (["class", "collect", room.path, room.path + "/nope"], [:], "\(room.path)/nope: no such file or directory"),
            (["class", "collect", room.path, room.path + "/empty"], [:], "no bundles in \(room.path)/empty"),
            (["class", "enrol", room.path, "alice", room.path + "/bad.pub"], [:],
             "\(room.path)/allowed_signers: not an SSH public key (expected a line like 'ssh-ed25519 AAAA… comment')"),
            (["class", "enrol", room.path, "zed", room.path + "/bad.pub"], [:], "no student 'zed' in the roster"),
            (["lab", "submit", "check-extensions"], student, "lab 'check-extensions' was not released to this host"),
            (["lab", "feedback", "check-extensions"], student, "no feedback on 'check-extensions' yet"),
        ]
        for (arguments, environment, message) in cases {
            let result = try await Run.virtlab(arguments, environment: environment)
            #expect(result.status == 1 && result.stderr.split(separator: "\n").count == 1 && result.stderr.contains(message),
                    "\(arguments): \(result.stderr)")
        }
        let badNonce = try await Run.virtlab(["lab", "receive", "check-extensions", "--class", "x", "--class-id", "0123456789abcdef",
                                        "--student", "alice", "--hash", "abcdef", "--nonce", "short"], environment: student)
        #expect(badNonce.status == 64 && badNonce.stderr.contains("--nonce short: expected 32 hex digits"), "\(badNonce.stderr)")
        // A gradebook that is not one: refused, and left as it was.
        let garbage = Data(repeating: 0x41, count: 4096)
        try garbage.write(to: URL(fileURLWithPath: room.directory.gradebookFile))
        let report = try await Run.virtlab(["class", "report", room.path, "check-extensions"])
        #expect(report.status == 1 && report.stderr == "virtlab: \(room.directory.gradebookFile) is not a gradebook "
                + "(not an SQLite database, or damaged): move it away\n", "\(report.stderr)")
        #expect(FileManager.default.contents(atPath: room.directory.gradebookFile) == garbage)
    }
}

/// What the teacher's Class pane marks as stuck: the last two live grades the same, and short of full marks.
@Suite(.tags(.pure)) struct StuckStudentTests {
    @Test func twoEqualLiveGradesShortOfFullMarksAreStuckAndProgressIsNot() throws {
        let room = try SignedClass()
        func live(_ earned: Int) throws {
            let report = try room.bundle(for: room.releases["alice"]!, signedBy: "alice", machine: "m", earned: earned).payload.report
            try room.gradebook.recordLive(student: "alice", lab: "lab1", status: "graded", detail: "\(earned)/3", report: report,
                                          reportBytes: nil, host: "pc01", signature: nil, at: Date())
        }
        func stuck() throws -> Bool {
            try ClassTable(gradebook: room.gradebook, students: try room.directory.roster().students, labs: ["lab1"])
                .cell("alice", "lab1").stuck
        }
        try live(1)
        #expect(try !stuck(), "one grade says nothing about progress")
        try live(1)
        #expect(try stuck())
        // A verified submission in between does not count as a live grade.
        let bundle = try room.bundle(for: room.releases["alice"]!, signedBy: "alice", machine: "m", earned: 2)
        _ = try room.gradebook.import(bundle, verdict: try room.inspect(bundle), source: "a")
        #expect(try stuck())
        try live(2)
        #expect(try !stuck(), "progress")
        try live(3)
        try live(3)
        #expect(try !stuck(), "full marks twice is done, not stuck")
    }
}

/// A student's host chooses every word of its report: a hostile one carries terminal escapes (a window title, a
/// screen clear) in valid JSON. The teacher's side reads it without them, so the gradebook, the class table, the
/// feedback files and the Class pane never hold them.
@Suite(.tags(.pure)) struct HostileReportTests {
    static let escapes = "\u{1b}]0;owned\u{07}\u{1b}[2J\r\u{9b}31m\u{7f}"

    static func hasControl(_ text: String) -> Bool {
        text.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n" && $0 != "\t") || (0x7f...0x9f).contains($0.value) }
    }

    /// What `virtlab lab grade --format json` on a tampered host prints.
    static let printed: String = {
        let check = CheckResult(step: "s1", check: "c1", title: "VM is up" + escapes, status: .pass, points: 2,
                                expected: "running" + escapes, got: "running\nsecond line" + escapes, command: "virsh list" + escapes,
                                output: "out" + escapes, message: "msg" + escapes, attempts: 1)
        let report = LabReport(lab: "lab1", title: "Lab" + escapes, student: "alice" + escapes, date: Date(),
                               steps: [StepReport(id: "s1", title: "Step" + escapes, results: [check])],
                               virtlabVersion: "0.10.0" + escapes)
        return ReportFormat.json.render(report)
    }()

    @Test func aHostileReportIsReadWithoutControlCharacters() throws {
        #expect(Self.printed.contains("\\u001b"), "the escapes are in the JSON the host printed")
        let read = try #require(ReportFormat.parseJSON(Data(Self.printed.utf8)))
        for format in [ReportFormat.text, .markdown, .json] {
            #expect(!Self.hasControl(format.render(read)), "\(format)")
        }
        let check = try #require(read.steps.first?.results.first)
        #expect(check.title == "VM is up]0;owned[2J31m" && check.got?.hasPrefix("running\nsecond line") == true,
                "the words stay, lines too: \(check)")
    }

    @Test func theGradebookTableAndFeedbackNeverHoldThem() throws {
        let room = try SignedClass()
        let read = try #require(ReportFormat.parseJSON(Data(Self.printed.utf8)))
        let bytes = Data(Self.printed.utf8)
        let signature = try SSHSignature.sign(bytes, key: try room.directory.teacherKey(), namespace: SSHSignature.gradeNamespace)
        try room.gradebook.recordLive(student: "alice", lab: "lab1", status: "graded", detail: "2/2", report: read,
                                      reportBytes: bytes, host: "pc01", signature: signature, at: Date())
        let attempt = try #require(try room.gradebook.attempts(student: "alice", lab: "lab1").first)
        // Read back from what was stored (the host's own bytes), as `class report` and feedback do.
        let stored = try #require(try room.gradebook.report(of: attempt))
        #expect(!Self.hasControl(ReportFormat.markdown.render(stored)) && !Self.hasControl(ReportFormat.text.render(stored)))
        let table = try ClassTable(gradebook: room.gradebook, students: try room.directory.roster().students, labs: ["lab1"])
        // CSV ends its rows with CR LF, as RFC 4180 has it: that pair is the format's own.
        #expect(!Self.hasControl(table.text(now: Date())) && !Self.hasControl(table.csv().replacingOccurrences(of: "\r\n", with: "\n")))
    }

    @Test func aHostsErrorLineIsCleaned() {
        let outcome = ProcessOutcome(status: 255, stdout: "", stderr: "first\nssh: connect refused\u{1b}]0;owned\u{07}\u{1b}[2J")
        #expect(ClassHosts.failure(outcome, timeout: 5) == .unreachable("ssh: connect refused]0;owned[2J"))
    }
}
