/// A `question` check as this student sees it: the choices in their own order (lettered a, b, c…), how many to
/// pick (0: a free answer), and their answer so far. Never the right answer.
public struct LabQuestion: Sendable, Equatable {
    public let check: String
    public let ask: String
    public let choices: [String]
    public let picks: Int
    /// The choices picked, or the free answer; nil when not answered yet.
    public var answer: [String]?

    public init(check: String, ask: String, choices: [String], picks: Int, answer: [String]?) {
        (self.check, self.ask, self.choices, self.picks, self.answer) = (check, ask, choices, picks, answer)
    }

    /// "a", "b", … for the choice at `index`.
    public static func letter(_ index: Int) -> String { String(UnicodeScalar(UInt8(97 + index % 26))) }
}

/// An answer given in the dashboard: a question's check and the letters picked, or the words typed.
public struct LabAnswer: Sendable, Equatable {
    public let check: String
    public let values: [String]

    public init(check: String, values: [String]) { (self.check, self.values) = (check, values) }
}
