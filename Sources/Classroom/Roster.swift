import Foundation
import Yams

/// One student and the host they work on.
public struct Student: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var email: String
    /// What `ssh` is given: `user@host`, a host alias from ~/.ssh/config, `host:port` is not ssh's syntax.
    public var ssh: String
    /// The libvirt URI on that host, when it is not the usual one.
    public var uri: String?

    public init(id: String, name: String, email: String = "", ssh: String, uri: String? = nil) {
        (self.id, self.name, self.email, self.ssh, self.uri) = (id, name, email, ssh, uri)
    }
}

/// The class's students, from `roster.csv` or from an Ansible inventory (INI or YAML), which teachers already
/// keep their hosts in. Every problem names its file and line; a roster with one is refused whole.
public struct Roster: Sendable, Equatable {
    public let students: [Student]
    public static let csvHeader = "id,name,email,ssh,uri"

    public init(students: [Student]) { self.students = students }

    public init(file: String) throws {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw ClassFileError(file, "cannot read the roster")
        }
        let lower = file.lowercased()
        if lower.hasSuffix(".ini") || lower.hasSuffix("/hosts") || lower.hasSuffix("/inventory") {
            try self.init(ansibleINI: text, file: file)
        } else if lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") {
            try self.init(ansibleYAML: text, file: file)
        } else {
            try self.init(csv: text, file: file)
        }
    }

    // MARK: - CSV

    public init(csv text: String, file: String) throws {
        let rows = try Self.csvRows(text, file: file)
        guard let (headerLine, header) = rows.first else { throw ClassFileError(file, "empty: it needs the line '\(Self.csvHeader)'") }
        let columns = header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let known = Set(Self.csvHeader.split(separator: ",").map(String.init))
        if let unknown = columns.first(where: { !known.contains($0) }) {
            throw ClassFileError(file, line: headerLine, "unknown column '\(unknown)'; the columns are \(Self.csvHeader)")
        }
        for required in ["id", "ssh"] where !columns.contains(required) {
            throw ClassFileError(file, line: headerLine, "no '\(required)' column; the header is \(Self.csvHeader)")
        }
        var students: [Student] = []
        var firstLine: [String: Int] = [:]
        for (line, given) in rows.dropFirst() {
            // Trailing optional columns may be left off (most rows have no URI).
            let missing = columns.dropFirst(given.count)
            guard given.count <= columns.count, !missing.contains("id"), !missing.contains("ssh") else {
                throw ClassFileError(file, line: line, "\(given.count) fields, the header has \(columns.count)")
            }
            let fields = given + Array(repeating: "", count: missing.count)
            let value = { (column: String) in
                columns.firstIndex(of: column).map { fields[$0].trimmingCharacters(in: .whitespaces) } ?? ""
            }
            let student = Student(id: value("id"), name: value("name"), email: value("email"), ssh: value("ssh"),
                                  uri: value("uri").isEmpty ? nil : value("uri"))
            try Self.check(student, line: line, file: file, seen: &firstLine)
            students.append(student)
        }
        self.init(students: students)
    }

    /// Lines of fields, RFC 4180 style (quotes, doubled quotes, commas and newlines inside quotes); blank lines
    /// are skipped. Each row carries the line it starts on.
    static func csvRows(_ text: String, file: String) throws -> [(line: Int, fields: [String])] {
        var rows: [(Int, [String])] = []
        var fields: [String] = [], field = "", quoted = false, line = 1, rowLine = 1, fieldStarted = false
        var characters = Array(text.replacingOccurrences(of: "\r\n", with: "\n")).makeIterator()
        var pending: Character?
        func endRow() {
            if fieldStarted || !fields.isEmpty { rows.append((rowLine, fields + [field])) }
            (fields, field, fieldStarted) = ([], "", false)
        }
        while let character = pending ?? characters.next() {
            pending = nil
            if quoted {
                if character == "\"" {
                    let next = characters.next()
                    if next == "\"" { field.append("\"") } else { quoted = false; pending = next }
                } else {
                    if character == "\n" { line += 1 }
                    field.append(character)
                }
                continue
            }
            switch character {
            case "\"" where field.isEmpty: quoted = true; fieldStarted = true
            case ",": fields.append(field); field = ""; fieldStarted = true
            case "\n":
                endRow()
                line += 1
                rowLine = line
            default: field.append(character); fieldStarted = true
            }
        }
        if quoted { throw ClassFileError(file, line: rowLine, "a quoted field is not closed") }
        endRow()
        return rows.filter { !($0.1.count == 1 && $0.1[0].trimmingCharacters(in: .whitespaces).isEmpty) }
    }

    // MARK: - Ansible

    /// `[group]` sections of `alias key=value …` lines; `[group:vars]` and `[group:children]` sections add no
    /// hosts. A host's student id is its `student_id` variable, else its alias; ssh goes to `ansible_user@`
    /// `ansible_host` (else the alias, so ~/.ssh/config applies).
    public init(ansibleINI text: String, file: String) throws {
        var students: [Student] = []
        var firstLine: [String: Int] = [:]
        var hostSection = true
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else { throw ClassFileError(file, line: index + 1, "a section header needs its ']'") }
                hostSection = !line.contains(":")
                continue
            }
            guard hostSection else { continue }
            let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            var variables: [String: String] = [:]
            for word in words.dropFirst() {
                guard let equals = word.firstIndex(of: "=") else {
                    throw ClassFileError(file, line: index + 1, "'\(word)' is not key=value")
                }
                variables[String(word[..<equals])] = String(word[word.index(after: equals)...])
                    .trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            }
            let student = Self.student(alias: words[0], variables)
            if firstLine[student.id] != nil && students.contains(student) { continue }  // one host in two groups
            try Self.check(student, line: index + 1, file: file, seen: &firstLine)
            students.append(student)
        }
        self.init(students: students)
    }

    /// `all:` with `hosts:` (alias → variables) and `children:` (groups of the same shape), as ansible-inventory
    /// writes it. YAML keeps no line numbers here: problems name the host instead.
    public init(ansibleYAML text: String, file: String) throws {
        let document: Any?
        do { document = try Yams.load(yaml: text) } catch {
            throw ClassFileError(file, "not valid YAML: \(error)".split(separator: "\n").joined(separator: " "))
        }
        guard let root = document as? [String: Any] else {
            throw ClassFileError(file, "an Ansible inventory is a mapping of groups, e.g. 'all: {hosts: …}'")
        }
        var found: [(String, [String: String])] = []
        func walk(_ group: [String: Any]) {
            for (alias, variables) in (group["hosts"] as? [String: Any] ?? [:]).sorted(by: { $0.key < $1.key }) {
                let values = (variables as? [String: Any] ?? [:]).mapValues { "\($0)" }
                if !found.contains(where: { $0.0 == alias }) { found.append((alias, values)) }
            }
            for (_, child) in (group["children"] as? [String: Any] ?? [:]).sorted(by: { $0.key < $1.key }) {
                if let child = child as? [String: Any] { walk(child) }
            }
        }
        for (_, group) in root.sorted(by: { $0.key < $1.key }) { if let group = group as? [String: Any] { walk(group) } }
        var firstLine: [String: Int] = [:]
        var students: [Student] = []
        for (position, (alias, variables)) in found.enumerated() {
            let student = Self.student(alias: alias, variables)
            do { try Self.check(student, line: position + 1, file: file, seen: &firstLine) } catch let error as ClassFileError {
                throw ClassFileError(file, "host \(alias): " + error.message.replacingOccurrences(of: "line", with: "host"))
            }
            students.append(student)
        }
        self.init(students: students)
    }

    private static func student(alias: String, _ variables: [String: String]) -> Student {
        let host = variables["ansible_host"] ?? alias
        let ssh = variables["ansible_user"].map { "\($0)@\(host)" } ?? host
        return Student(id: variables["student_id"] ?? alias, name: variables["student_name"] ?? alias,
                       email: variables["student_email"] ?? "", ssh: ssh, uri: variables["libvirt_uri"])
    }

    private static func check(_ student: Student, line: Int, file: String, seen: inout [String: Int]) throws {
        guard !student.id.isEmpty else { throw ClassFileError(file, line: line, "no student id") }
        guard student.id.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw ClassFileError(file, line: line, "student id '\(student.id)': use letters, digits, '-', '_' or '.'")
        }
        guard !student.ssh.isEmpty else { throw ClassFileError(file, line: line, "\(student.id) has no ssh target") }
        guard !student.ssh.hasPrefix("-"), !student.ssh.contains(" ") else {
            throw ClassFileError(file, line: line, "ssh target '\(student.ssh)' of \(student.id) is not a host")
        }
        if let first = seen[student.id] {
            throw ClassFileError(file, line: line, "student id '\(student.id)' again (first on line \(first))")
        }
        seen[student.id] = line
    }
}
