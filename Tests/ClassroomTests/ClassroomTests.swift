import Foundation
import Testing
@testable import Classroom

@Suite struct RosterTests {
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

@Suite struct ClassDirectoryTests {
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

@Suite struct ClassSecretTests {
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
