import Foundation

public struct CheckResult: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable {
        case pass, fail, skipped, error
    }

    public let step: String
    public let check: String
    public let title: String
    public let status: Status
    public let points: Int
    public var earned: Int { status == .pass ? points : 0 }
    /// What was expected and what was found, in words.
    public let expected: String?
    public let got: String?
    /// The command that ran, when one did, and its output (trimmed).
    public let command: String?
    public let output: String?
    /// The lab's message for a failure, or why it was skipped or could not run.
    public let message: String?
    public let attempts: Int

    public init(step: String, check: String, title: String, status: Status, points: Int, expected: String?, got: String?,
                command: String?, output: String?, message: String?, attempts: Int) {
        (self.step, self.check, self.title, self.status, self.points) = (step, check, title, status, points)
        (self.expected, self.got, self.command, self.output) = (expected, got, command, output)
        (self.message, self.attempts) = (message, attempts)
    }

    /// Reports are read from other machines (a student's host, a bundle): every text is cleaned as it is read.
    public init(from decoder: Decoder) throws {
        let fields = try decoder.container(keyedBy: CodingKeys.self)
        self.init(step: try fields.decodeText(.step), check: try fields.decodeText(.check), title: try fields.decodeText(.title),
                  status: try fields.decode(Status.self, forKey: .status), points: try fields.decode(Int.self, forKey: .points),
                  expected: try fields.decodeTextIfPresent(.expected), got: try fields.decodeTextIfPresent(.got),
                  command: try fields.decodeTextIfPresent(.command), output: try fields.decodeTextIfPresent(.output),
                  message: try fields.decodeTextIfPresent(.message), attempts: try fields.decode(Int.self, forKey: .attempts))
    }
}

public struct StepReport: Sendable, Codable {
    public let id: String
    public let title: String
    public let results: [CheckResult]

    public init(id: String, title: String, results: [CheckResult]) {
        (self.id, self.title, self.results) = (id, title, results)
    }

    public init(from decoder: Decoder) throws {
        let fields = try decoder.container(keyedBy: CodingKeys.self)
        self.init(id: try fields.decodeText(.id), title: try fields.decodeText(.title),
                  results: try fields.decode([CheckResult].self, forKey: .results))
    }

    public var earned: Int { results.reduce(0) { $0 + $1.earned } }
    public var possible: Int { results.reduce(0) { $0 + $1.points } }
    /// Every check that carries points passed (0-point checks only gather facts).
    public var allPassed: Bool { results.allSatisfy { $0.status == .pass || $0.points == 0 } }
}

public struct LabReport: Sendable, Codable {
    public let lab: String
    public let title: String
    public let student: String
    public let date: Date
    public let steps: [StepReport]
    /// The virtlab that graded it (nil in reports of versions before 0.10.0): a class flags one that is not the
    /// teacher's.
    public let virtlabVersion: String?

    public init(lab: String, title: String, student: String, date: Date, steps: [StepReport], virtlabVersion: String?) {
        (self.lab, self.title, self.student, self.date, self.steps) = (lab, title, student, date, steps)
        self.virtlabVersion = virtlabVersion
    }

    public init(from decoder: Decoder) throws {
        let fields = try decoder.container(keyedBy: CodingKeys.self)
        self.init(lab: try fields.decodeText(.lab), title: try fields.decodeText(.title), student: try fields.decodeText(.student),
                  date: try fields.decode(Date.self, forKey: .date), steps: try fields.decode([StepReport].self, forKey: .steps),
                  virtlabVersion: try fields.decodeTextIfPresent(.virtlabVersion))
    }

    public var earned: Int { steps.reduce(0) { $0 + $1.earned } }
    public var possible: Int { steps.reduce(0) { $0 + $1.possible } }
    public var percent: Double { possible == 0 ? 0 : Double(earned) / Double(possible) * 100 }
    public var allPassed: Bool { steps.allSatisfy(\.allPassed) }
}
