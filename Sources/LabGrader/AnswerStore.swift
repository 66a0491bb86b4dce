import Foundation
import HostDoctor
import LabFormat

/// A student's answers to a lab's questions: one JSON file per lab and student under
/// `$XDG_STATE_HOME/virtlab/answers/` ({check: [values]}), written atomically.
public struct AnswerStore: Sendable {
    public let directory: String

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        directory = StateDirectory.path(environment) + "/answers"
    }

    public func path(lab: String, student: String) -> String { "\(directory)/\(lab)--\(Parameters.sanitize(student)).json" }

    /// Every answer given so far (a file that does not read back is treated as none).
    public func load(lab: String, student: String) -> [String: [String]] {
        guard let data = FileManager.default.contents(atPath: path(lab: lab, student: student)),
              let answers = try? JSONDecoder().decode([String: [String]].self, from: data) else { return [:] }
        return answers
    }

    /// Keeps an answer, replacing an earlier one to the same question.
    public func save(_ values: [String], to check: String, lab: String, student: String) throws {
        var answers = load(lab: lab, student: student)
        answers[check] = values
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try encoder.encode(answers).write(to: URL(fileURLWithPath: path(lab: lab, student: student)), options: .atomic)
    }

    /// Forgets a student's answers in a lab; true when there were some.
    public func reset(lab: String, student: String) -> Bool {
        (try? FileManager.default.removeItem(atPath: path(lab: lab, student: student))) != nil
    }
}

/// One student's answers in one lab, read when a question is graded (answers given since still count).
public struct AnswerBook: Sendable {
    public let store: AnswerStore
    public let lab: String
    public let student: String

    public func answer(to check: String) -> [String]? { store.load(lab: lab, student: student)[check] }

    public func keep(_ values: [String], to check: String) throws { try store.save(values, to: check, lab: lab, student: student) }

    /// Forgets every answer; true when there were some.
    public func forget() -> Bool { store.reset(lab: lab, student: student) }
}
