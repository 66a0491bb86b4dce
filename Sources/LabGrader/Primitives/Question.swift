import Foundation
import LabFormat

/// A question, as the exam asks them: one or several right choices among shuffled ones, or a short free answer.
struct QuestionPrimitive: CheckPrimitive {
    static let format = PrimitiveFormat(
        "question",
        summary: "Asks a question the student answers with `virtlab lab answer LAB CHECK VALUE…`: "
            + "multiple choice (one or several right `answer`s among the `choices`, shuffled for each student) or, "
            + "without choices, a short free answer that must equal one of `answer` (case, spacing and punctuation "
            + "aside) or match `regex`. Reports never show the right answer; `why` is shown once it is answered right.",
        followsTarget: false,
        fields: [
            "ask": Schema.Field(.string, required: true, "the question"),
            "choices": Schema.Field(.stringList, "the choices, for multiple choice (at least two, all different)"),
            "answer": Schema.Field(.stringList, required: true,
                                   "the right choices, word for word; or, without choices, the accepted free answers"),
            "regex": Schema.Field(.string, "a free answer is also right when it matches this pattern (whole answer)"),
            "why": Schema.Field(.string, required: true, "the reason of the answer, shown once it is answered right"),
        ],
        validate: { Question.problem($0) })

    static func evaluate(_ fields: [String: FieldValue], on target: Target, timeout: Double,
                         with evaluator: Evaluator) async -> Verdict {
        let book = evaluator.context.answers
        guard let question = Question(check: evaluator.checkID, fields: fields, seed: evaluator.context.parameters.values["hash"] ?? "") else {
            return .failure("question needs ask, answer and why")
        }
        guard let given = book.answer(to: evaluator.checkID) else {
            var verdict = Verdict.judged(false, expected: nil, got: "no answer yet")
            verdict.note = "answer it: Enter in the dashboard's lab, or virtlab lab answer \(book.lab) \(evaluator.checkID) "
                + (question.choices.isEmpty ? "'YOUR ANSWER'" : "LETTER")
            return verdict
        }
        let right = question.isRight(given)
        var verdict = Verdict.judged(right, expected: nil, got: question.describe(given))
        if right { verdict.note = question.reason }
        return verdict
    }
}

/// A `question` check as one student sees it: the choices in their order (lettered a, b, c…), and what
/// counts as right. The order is the student's own: seeded by their parameter hash and the check's id.
public struct Question: Sendable, Equatable {
    public let check: String
    public let ask: String
    /// In this student's order; empty for a free answer.
    public let choices: [String]
    /// How many choices are right (the exam's "choose two"); 0 for a free answer.
    public var picks: Int { choices.isEmpty ? 0 : right.count }
    public let reason: String
    let right: [String]
    let pattern: String?

    /// The question of a check, or nil when the check is not one.
    public init?(_ check: Check, parameters: Parameters) {
        guard check.primitive == QuestionPrimitive.format.name else { return nil }
        self.init(check: check.id, fields: check.fields.mapValues(parameters.expand), seed: parameters.values["hash"] ?? "")
    }

    init?(check: String, fields: [String: FieldValue], seed: String) {
        guard case .string(let ask)? = fields["ask"], case .strings(let right)? = fields["answer"],
              case .string(let reason)? = fields["why"] else { return nil }
        var choices: [String] = []
        if case .strings(let listed)? = fields["choices"] { choices = Self.shuffled(listed, seed: seed + "/" + check) }
        var pattern: String?
        if case .string(let given)? = fields["regex"] { pattern = given }
        (self.check, self.ask, self.choices, self.right, self.pattern, self.reason) = (check, ask, choices, right, pattern, reason)
    }

    public static func letter(_ index: Int) -> String { LabQuestion.letter(index) }

    /// The question as the dashboard shows it, with the answer given so far.
    public func shown(answer: [String]?) -> LabQuestion {
        LabQuestion(check: check, ask: ask, choices: choices, picks: picks, answer: answer)
    }

    /// The student's answer as the choices it names: letters (`b`) or a choice's words. A free answer is kept
    /// as given. A value that names no choice, or too many values, is said with what would do.
    public func resolve(_ values: [String]) throws(QuestionError) -> [String] {
        let given = values.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        guard !given.isEmpty else { throw QuestionError("give an answer to \(check)") }
        guard !choices.isEmpty else { return [given.joined(separator: " ")] }
        var chosen: [String] = []
        for value in given {
            let byLetter = value.count == 1 ? choices.indices.first { Self.letter($0) == value.lowercased() } : nil
            guard let index = byLetter ?? choices.firstIndex(where: { Self.normalised($0) == Self.normalised(value) }) else {
                throw QuestionError("'\(value)' is not one of the choices of \(check) (answer with a letter: "
                                    + choices.indices.map { Self.letter($0) }.joined(separator: ", ") + ")")
            }
            if !chosen.contains(choices[index]) { chosen.append(choices[index]) }
        }
        guard chosen.count <= picks else {
            throw QuestionError("\(check) asks for \(picks) choice\(picks == 1 ? "" : "s"); \(chosen.count) given")
        }
        return chosen
    }

    func isRight(_ given: [String]) -> Bool {
        if !choices.isEmpty { return Set(given.map(Self.normalised)) == Set(right.map(Self.normalised)) }
        guard let answer = given.first else { return false }
        if right.contains(where: { Self.normalised($0) == Self.normalised(answer) }) { return true }
        guard let pattern, let regex = try? NSRegularExpression(pattern: "^(?:\(pattern))$", options: [.caseInsensitive]) else {
            return false
        }
        let trimmed = answer.trimmingCharacters(in: .whitespacesAndNewlines)
        return regex.firstMatch(in: trimmed, range: NSRange(trimmed.startIndex..., in: trimmed)) != nil
    }

    /// An answer as reports and `lab answer` show it: with this student's letters for choices.
    public func describe(_ given: [String]) -> String {
        guard !choices.isEmpty else { return given.joined(separator: " ") }
        return given.map { answer in
            choices.firstIndex(of: answer).map { "\(Self.letter($0))) \(answer)" } ?? answer
        }.joined(separator: "; ")
    }

    /// What the right answer is, as `lab solve` gives it.
    var solution: [String] { choices.isEmpty ? Array(right.prefix(1)) : right }

    /// Case, spacing and the punctuation around words aside: "/etc/machine-id." is "/etc/machine-id".
    static func normalised(_ text: String) -> String {
        text.lowercased().split(whereSeparator: { $0.isWhitespace || ",;:!?\"'`()".contains($0) })
            .map { $0.hasSuffix(".") ? String($0.dropLast()) : String($0) }.filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// Fisher–Yates driven by SplitMix64 from a seed string: the same order for the same student every time.
    static func shuffled(_ items: [String], seed: String) -> [String] {
        var state = seed.utf8.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
        func next() -> UInt64 {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            return z ^ (z >> 31)
        }
        var result = items
        for index in stride(from: result.count - 1, to: 0, by: -1) {
            result.swapAt(index, Int(next() % UInt64(index + 1)))
        }
        return result
    }

    /// What is wrong with a question's fields taken together, for the loader.
    static func problem(_ fields: [String: FieldValue]) -> String? {
        guard case .strings(let right)? = fields["answer"], !right.isEmpty, !right.allSatisfy({ normalised($0).isEmpty }) else {
            return "a question needs a right answer ('answer')"
        }
        if case .string(let pattern)? = fields["regex"], (try? NSRegularExpression(pattern: pattern)) == nil {
            return "regex '\(pattern)' is not a valid pattern"
        }
        guard case .strings(let choices)? = fields["choices"] else { return nil }
        if fields["regex"] != nil { return "regex is for free answers; with choices, the answer is one of them" }
        guard choices.count >= 2 else { return "a multiple-choice question needs at least two choices" }
        var seen = Set<String>()
        for choice in choices where !seen.insert(normalised(choice)).inserted { return "duplicate choice '\(choice)'" }
        for answer in right where !seen.contains(normalised(answer)) {
            return "answer '\(answer)' is not one of the choices (answers are the right choices, word for word)"
        }
        return nil
    }
}

public struct QuestionError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
