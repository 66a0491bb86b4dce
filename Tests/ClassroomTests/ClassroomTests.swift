import Foundation
import ProcessRunner
import Testing
import TestTags
import TestSupport
@testable import Classroom

@Suite(.tags(.pure)) struct RosterTests {
    @Test func aCSVRosterReadsQuotedFieldsAndAnOptionalURI() throws {
        let roster = try Roster(csv: #"""
            id,name,email,ssh,uri
            ana,"Lima, Ana",ana@example.edu,ana@10.0.0.11
            bo,"Bo ""The Builder""",bo@example.edu,lab-bo,qemu+ssh://lab-bo/system

            """#, file: "roster.csv")
        #expect(roster.students == [
            Student(id: "ana", name: "Lima, Ana", email: "ana@example.edu", ssh: "ana@10.0.0.11"),
            Student(id: "bo", name: "Bo \"The Builder\"", email: "bo@example.edu", ssh: "lab-bo",
                    uri: "qemu+ssh://lab-bo/system"),
        ])
    }

    @Test func rosterProblemsNameTheFileAndLine() {
        let cases: [(String, String)] = [
            ("id,name,email,ssh\nana,A,a@x,ana@h\nbo,B,b@x,bo@h\nana,A2,a2@x,ana@h2\n",
             "roster.csv:4: student id 'ana' again (first on line 2)"),
            ("id,name,email,ssh\nana,A,a@x\n", "roster.csv:2: 3 fields, the header has 4"),
            ("id,name,mail,ssh\n", "roster.csv:1: unknown column 'mail'; the columns are id,name,email,ssh,uri"),
            ("id,name,email\n", "roster.csv:1: no 'ssh' column; the header is id,name,email,ssh,uri"),
            ("id,name,email,ssh\nana,\"A,a@x,ana@h\n", "roster.csv:2: a quoted field is not closed"),
            ("id,name,email,ssh\nan a,A,a@x,ana@h\n",
             "roster.csv:2: student id 'an a': use letters, digits, '-', '_' or '.'"),
            ("id,name,email,ssh\nana,A,a@x,-oProxyCommand=evil\n",
             "roster.csv:2: ssh target '-oProxyCommand=evil' of ana is not a host"),
            ("", "roster.csv: empty: it needs the line 'id,name,email,ssh,uri'"),
        ]
        for (text, message) in cases {
            #expect(throws: ClassFileError.self) { try Roster(csv: text, file: "roster.csv") }
            do { _ = try Roster(csv: text, file: "roster.csv") } catch { #expect("\(error)" == message) }
        }
    }

    @Test func anAnsibleINIInventoryIsARoster() throws {
        let roster = try Roster(ansibleINI: """
            # the lab room
            [students]
            pc01 ansible_host=10.0.0.11 ansible_user=ana student_id=ana student_name="Ana"
            pc02 ansible_host=10.0.0.12 student_id=bo

            [students:vars]
            ansible_python_interpreter=/usr/bin/python3

            [everyone:children]
            students
            """, file: "hosts.ini")
        #expect(roster.students == [Student(id: "ana", name: "Ana", ssh: "ana@10.0.0.11"),
                                    Student(id: "bo", name: "pc02", ssh: "10.0.0.12")])
        do {
            _ = try Roster(ansibleINI: "[students]\npc01 ansible_host\n", file: "hosts.ini")
            Issue.record("a variable without a value was accepted")
        } catch {
            #expect("\(error)" == "hosts.ini:2: 'ansible_host' is not key=value")
        }
    }

    @Test func anAnsibleYAMLInventoryIsARoster() throws {
        let roster = try Roster(ansibleYAML: """
            all:
              children:
                room1:
                  hosts:
                    pc01: {ansible_host: 10.0.0.11, ansible_user: ana, student_id: ana}
                    pc02: {ansible_host: 10.0.0.12, student_id: bo, libvirt_uri: "qemu:///session"}
            """, file: "inventory.yaml")
        #expect(roster.students.map(\.id) == ["ana", "bo"])
        #expect(roster.students[1].uri == "qemu:///session" && roster.students[0].ssh == "ana@10.0.0.11")
        #expect(throws: ClassFileError.self) { try Roster(ansibleYAML: "- just\n- a list\n", file: "inventory.yaml") }
    }
}

@Suite(.tags(.pure)) struct ClassDirectoryTests {
    let path = NSTemporaryDirectory() + "virtlab-class-\(UUID().uuidString.prefix(8))"

    @Test func initMakesTheFilesAndKeepsTheSecretPrivate() throws {
        defer { try? FileManager.default.removeItem(atPath: path) }
        let made = try ClassDirectory.create(at: path, name: "LPIC-1 evening", labs: ["virtual-networks"])
        let config = try made.config()
        #expect(config.name == "LPIC-1 evening" && config.labs == ["virtual-networks"] && config.parallelism == 8)
        #expect(try made.roster().students.isEmpty)
        let mode = try FileManager.default.attributesOfItem(atPath: path + "/.secret")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        _ = try made.secret()
        // A second init never overwrites the class (or its secret).
        let secret = try String(contentsOfFile: path + "/.secret", encoding: .utf8)
        #expect(throws: ClassFileError.self) { try ClassDirectory.create(at: path, name: "other", labs: []) }
        #expect(try String(contentsOfFile: path + "/.secret", encoding: .utf8) == secret)
    }

    @Test func aBrokenClassFileIsOneLine() throws {
        defer { try? FileManager.default.removeItem(atPath: path) }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try "labs: [a]\n".write(toFile: path + "/class.yaml", atomically: true, encoding: .utf8)
        do { _ = try ClassDirectory(path: path).config(); Issue.record("no name, yet accepted") } catch {
            #expect("\(error)" == "\(path)/class.yaml: 'name' is missing")
        }
        do { _ = try ClassDirectory(path: path + "/nope").config() } catch {
            #expect("\(error)".hasSuffix("no class here; make one with 'virtlab class init \(path)/nope'"))
        }
    }
}

@Suite(.tags(.pure)) struct ClassSecretTests {
    /// Keyed: the same lab and student give the same values under one secret, other values under another,
    /// and a neighbour's values are not the public SHA-256 formula's.
    @Test func parametersComeFromAKeyedHash() throws {
        let one = try #require(ClassSecret(hex: String(repeating: "ab", count: 32)))
        let other = try #require(ClassSecret(hex: String(repeating: "cd", count: 32)))
        #expect(one.parameterHash(lab: "virtual-networks", student: "ana") == one.parameterHash(lab: "virtual-networks", student: "ana"))
        #expect(one.parameterHash(lab: "virtual-networks", student: "ana") != other.parameterHash(lab: "virtual-networks", student: "ana"))
        #expect(one.parameterHash(lab: "virtual-networks", student: "ana") != one.parameterHash(lab: "virtual-networks", student: "bo"))
        #expect(one.parameterHash(lab: "l", student: "s").count == 6)
        #expect(ClassSecret(hex: "short") == nil && ClassSecret(hex: String(repeating: "zz", count: 32)) == nil)
    }
}

/// `virtlab class grade` on a classroom of namespaced hosts with their own sshd: two with virtlab, one without,
/// one down, one whose key is not the one the teacher's known_hosts holds.
@Suite(.tags(.daemon)) struct ClassGradeTests {
    @Test func everyHostIsARowAndNoneHoldsUpTheOthers() async throws {
        let room = try await TestClassroom([.init("pc01"), .init("pc02"), .init("pc03", hasVirtlab: false),
                                      .init("pc04", down: true), .init("pc05", keyMismatch: true)])
        let classPath = room.directory + "/class"
        try ClassDirectory.create(at: classPath, name: "test room", labs: ["check-extensions"])
        try """
            name: test room
            labs: [check-extensions]
            ssh_config: \(room.sshConfig)
            parallelism: 3
            host_timeout_seconds: 60

            """.write(toFile: classPath + "/class.yaml", atomically: true, encoding: .utf8)
        let suffix = UUID().uuidString.prefix(4).lowercased()
        let ids = ["pc01", "pc02", "pc03", "pc04", "pc05"].map { "\($0)-\(suffix)" }
        try (Roster.csvHeader + "\n" + zip(ids, ["pc01", "pc02", "pc03", "pc04", "pc05"]).map { "\($0),Student \($0),,\($1)" }
            .joined(separator: "\n") + "\n").write(toFile: classPath + "/roster.csv", atomically: true, encoding: .utf8)
        // The first student answered the lab's question (as its solution does); the second did nothing.
        let answers = "/tmp/virtlab-lab-\(ids[0])"
        defer { try? FileManager.default.removeItem(atPath: answers) }
        try FileManager.default.createDirectory(atPath: answers, withIntermediateDirectories: true)
        let flag = ProcessRunner.run(["sh", "-c", "grep -o -w -E 'vmx|svm' /proc/cpuinfo | sort -u | head -n1 | grep . || echo none"])
        try flag.stdout.write(toFile: answers + "/extensions.txt", atomically: true, encoding: .utf8)

        let result = try await Run.virtlab(["class", "grade", classPath, "--format", "json"])
        #expect(result.status == 1, "not everyone has full marks: \(result.stderr)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        let byStudent = Dictionary(uniqueKeysWithValues: rows.map { ($0["student"] as? String ?? "", $0) })
        #expect(rows.map { $0["student"] as? String ?? "" } == ids, "in roster order")
        let (first, second) = (byStudent[ids[0]], byStudent[ids[1]])
        #expect((first?["earned"] as? Int ?? 0) > (second?["earned"] as? Int ?? 0), "\(rows)")
        #expect((first?["report"] as? [String: Any])?["possible"] as? Int == first?["possible"] as? Int)
        #expect(byStudent[ids[2]]?["status"] as? String == "no virtlab on the host (not on the PATH of ssh sessions)")
        #expect((byStudent[ids[3]]?["status"] as? String ?? "").contains("Connection refused"), "\(rows)")
        #expect((byStudent[ids[4]]?["status"] as? String ?? "") == "unreachable: Host key verification failed.",
                "a changed host key is refused, never accepted: \(rows)")
        let progress = result.stderr.split(whereSeparator: \.isNewline)
        #expect(progress.count == 5 && progress.allSatisfy { $0.hasPrefix("[") }, "\(result.stderr)")
        // The table a teacher reads, and the CSV an LMS-minded script takes.
        let csv = try await Run.virtlab(["class", "grade", classPath, "--student", ids[0], "--format", "csv", "--exit-zero"])
        #expect(csv.status == 0 && csv.stdout.hasPrefix("\"student\",\"lab\",\"host\",\"earned\",\"possible\",\"status\"\r\n\"\(ids[0])\","),
                "\(csv.stdout)")
    }

    @Test func badInputIsOneLine() async throws {
        let path = NSTemporaryDirectory() + "virtlab-class-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ClassDirectory.create(at: path, name: "empty", labs: [])
        for (args, message) in [(["class", "grade", path], "no labs: name them"),
                                (["class", "grade", path, "check-extensions"], "the roster has no students yet"),
                                (["class", "grade", path, "check-extensions", "--student", "zed"], "no student 'zed' in the roster"),
                                (["class", "roster", path + "/nope"], "no class here")] {
            let result = try await Run.virtlab(args)
            #expect(result.status == 1 && result.stderr.split(separator: "\n").count == 1 && result.stderr.contains(message),
                    "\(args): \(result.stderr)")
        }
    }
}
