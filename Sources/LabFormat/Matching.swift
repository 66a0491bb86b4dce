import Foundation

extension Matcher {
    /// Whether `text` satisfies the matcher. Text is compared trimmed of surrounding white space.
    public func matches(_ text: String) -> Bool {
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        switch self {
        case .equals(let expected): return value == expected.trimmingCharacters(in: .whitespacesAndNewlines)
        case .contains(let part): return text.contains(part)
        case .regex(let pattern):
            guard let regex = try? NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines]) else { return false }
            return regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
        case .not(let inner): return !inner.matches(text)
        case .all(let parts): return parts.allSatisfy { $0.matches(text) }
        case .number(let comparison, let expected):
            guard let number = Double(value) else { return false }
            switch comparison {
            case .eq: return number == expected
            case .ne: return number != expected
            case .gt: return number > expected
            case .ge: return number >= expected
            case .lt: return number < expected
            case .le: return number <= expected
            }
        }
    }

    /// How the expectation reads in a report: "contains 'running' and not equals 'x'".
    public var summary: String {
        switch self {
        case .equals(let text): "equals '\(text)'"
        case .contains(let text): "contains '\(text)'"
        case .regex(let pattern): "matches /\(pattern)/"
        case .not(let inner): "not \(inner.summary)"
        case .all(let parts): parts.map(\.summary).joined(separator: " and ")
        case .number(let comparison, let value):
            "\(["eq": "=", "ne": "≠", "gt": ">", "ge": "≥", "lt": "<", "le": "≤"][comparison.rawValue]!) "
                + (value == value.rounded() ? "\(Int(value))" : "\(value)")
        }
    }
}
