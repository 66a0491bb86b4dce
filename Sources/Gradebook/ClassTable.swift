import Classroom
import Foundation
import Humanize

/// Students × labs from the gradebook. The points that count are the latest live grade's (the authority), else
/// the latest verified submission's; submissions found edited, copied, replayed or of an unknown signer count
/// nothing and show as flags.
public struct ClassTable: Sendable {
    public struct Cell: Sendable, Equatable {
        public var earned: Int?
        public var possible: Int?
        /// Where the points come from.
        public var from: Gradebook.Kind?
        /// The attempt the points come from.
        public var counted: Gradebook.Attempt?
        public var last: Gradebook.Attempt?
        /// "copied: signed by bob but carries alice's results", one per flagged submission kind.
        public var flags: [String] = []
        /// The points of the live grade before the last: with the last, whether the student is making progress.
        var previousLive: Int?

        /// The last two live grades are the same and short of full marks: no progress between two checks.
        public var stuck: Bool {
            guard from == .live, let earned, let possible, let previousLive else { return false }
            return earned == previousLive && earned < possible
        }
    }

    public let students: [Student]
    public let labs: [String]
    public let cells: [String: [String: Cell]]

    public init(gradebook: Gradebook, students: [Student], labs: [String]) throws {
        (self.students, self.labs) = (students, labs)
        var cells: [String: [String: Cell]] = [:]
        for attempt in try gradebook.attempts() where labs.contains(attempt.lab) {
            var cell = cells[attempt.student, default: [:]][attempt.lab, default: Cell()]
            cell.last = attempt
            switch (attempt.kind, attempt.status) {
            case (.live, "graded"):
                cell.previousLive = cell.counted?.kind == .live ? cell.counted?.earned : nil
                (cell.earned, cell.possible, cell.from, cell.counted) = (attempt.earned, attempt.possible, .live, attempt)
            case (.submitted, Verdict.Kind.verified.rawValue) where cell.from != .live:
                (cell.earned, cell.possible, cell.from, cell.counted) = (attempt.earned, attempt.possible, .submitted, attempt)
            case (.submitted, let status) where status != Verdict.Kind.verified.rawValue:
                let flag = "\(status): \(attempt.detail)"
                if !cell.flags.contains(flag) { cell.flags.append(flag) }
            default: break
            }
            cells[attempt.student, default: [:]][attempt.lab] = cell
        }
        self.cells = cells
    }

    public func cell(_ student: String, _ lab: String) -> Cell { cells[student]?[lab] ?? Cell() }

    static func points(_ cell: Cell) -> String {
        guard let earned = cell.earned, let possible = cell.possible else { return "-" }
        return "\(earned)/\(possible)"
    }

    static func describe(_ attempt: Gradebook.Attempt?, now: Date) -> String {
        guard let attempt else { return "-" }
        let kind = attempt.kind == .live ? "live" : "submitted"
        return "\(kind) \(attempt.status), \(Units.ago(attempt.at, now: now))"
    }

    // MARK: Formats

    public func text(now: Date = Date()) -> String {
        if labs.count == 1, let lab = labs.first {
            var table = TextTable(headers: ["STUDENT", "NAME", "POINTS", "FROM", "LAST ATTEMPT", "FLAGS"])
            for student in students {
                let cell = cell(student.id, lab)
                table.add([student.id, student.name, Self.points(cell), cell.from?.rawValue ?? "-",
                           Self.describe(cell.last, now: now), cell.flags.isEmpty ? "-" : cell.flags.joined(separator: "; ")])
            }
            return table.render()
        }
        var table = TextTable(headers: ["STUDENT", "NAME"] + labs.map { $0.uppercased() } + ["LAST ATTEMPT", "FLAGS"])
        for student in students {
            let row = labs.map { cell(student.id, $0) }
            let last = row.compactMap(\.last).max { $0.at < $1.at }
            let flags = zip(labs, row).flatMap { lab, cell in cell.flags.map { "\(lab): " + $0.prefix { $0 != ":" } } }
            table.add([student.id, student.name] + row.map(Self.points)
                      + [last.map { "\($0.lab) " + Self.describe($0, now: now) } ?? "-", flags.isEmpty ? "-" : flags.joined(separator: ", ")])
        }
        return table.render()
    }

    /// One row per student: id, name, email, each lab's points (empty when none count), and the flags.
    public func csv() -> String {
        let header = ["id", "name", "email"] + labs + ["flags"]
        let rows = students.map { student in
            [student.id, student.name, student.email] + labs.map { cell(student.id, $0).earned.map(String.init) ?? "" }
                + [labs.flatMap { lab in cell(student.id, lab).flags.map { "\(lab): \($0)" } }.joined(separator: "; ")]
        }
        return CSV.render([header] + rows)
    }

    /// Moodle's grade import: "Email address" identifies the student, one column of points per lab and one of
    /// feedback per lab (map them in Moodle's import form).
    public func moodle(now: Date = Date()) -> String {
        let header = ["Email address"] + labs + labs.map { "\($0) feedback" }
        let rows = students.map { student in
            [student.email] + labs.map { cell(student.id, $0).earned.map(String.init) ?? "" } + labs.map { lab in
                let cell = cell(student.id, lab)
                return ([cell.from.map { "\(Self.points(cell)) (\($0.rawValue))" } ?? "no grade yet"] + cell.flags)
                    .joined(separator: "; ")
            }
        }
        return CSV.render([header] + rows)
    }

    public func json() throws -> String {
        struct LabEntry: Encodable { let earned: Int?; let possible: Int?; let from: String?; let flags: [String]
            let lastAttempt: Gradebook.Attempt?
            enum CodingKeys: String, CodingKey { case earned, possible, from, flags, lastAttempt = "last_attempt" } }
        struct Entry: Encodable { let id: String; let name: String; let email: String; let labs: [String: LabEntry] }
        let entries = students.map { student in
            Entry(id: student.id, name: student.name, email: student.email, labs: Dictionary(uniqueKeysWithValues: labs.map { lab in
                let cell = cell(student.id, lab)
                return (lab, LabEntry(earned: cell.earned, possible: cell.possible, from: cell.from?.rawValue,
                                      flags: cell.flags, lastAttempt: cell.last))
            }))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(entries), as: UTF8.self)
    }
}
