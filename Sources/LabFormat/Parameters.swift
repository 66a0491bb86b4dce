import Foundation

/// Per-student values: a lab's parameter templates with `{student}` and `{hash}` (six hex digits derived
/// from the lab and the student, so each student gets their own names), then `{{name}}` in text and checks.
/// Built in: `{{student}}`, `{{hash}}`, and `{{cloud_image}}` (see `CloudImage`).
public struct Parameters: Sendable, Equatable {
    public let values: [String: String]
    public static let builtIn: Set<String> = ["student", "hash", "cloud_image"]

    /// Values already worked out (nothing is filled in from them but `{{name}}`).
    public init(values: [String: String]) { self.values = values }

    /// `{env:NAME}` and `{env:NAME:-default}`: a classroom sets values (an image path, a container image)
    /// without editing the lab.
    public static func environmentValues(in template: String, _ environment: [String: String]) -> String {
        var result = "", rest = Substring(template)
        while let open = rest.range(of: "{env:"), let close = rest[open.upperBound...].firstIndex(of: "}") {
            result += rest[..<open.lowerBound]
            let inside = rest[open.upperBound..<close]
            let (name, fallback) = inside.range(of: ":-").map { (inside[..<$0.lowerBound], inside[$0.upperBound...]) }
                ?? (inside, "")
            result += environment[String(name)].flatMap { $0.isEmpty ? nil : $0 } ?? String(fallback)
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }

    /// Student names end up in paths and VM names: keep letters, digits, '-' and '_'.
    public static func sanitize(_ name: String) -> String {
        let kept = name.filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        return kept.isEmpty ? "student" : String(kept.prefix(32))
    }

    public func expand(_ text: String) -> String {
        var result = text
        for (name, value) in values { result = result.replacingOccurrences(of: "{{\(name)}}", with: value) }
        return result
    }

    public func expand(_ target: Target) -> Target {
        switch target {
        case .host: .host
        case .vm(let name, let uri): .vm(expand(name), on: uri.map(expand))
        case .container(let name): .container(expand(name))
        }
    }

    public func expand(_ command: CommandSpec) -> CommandSpec {
        switch command {
        case .argv(let words): .argv(words.map(expand))
        case .shell(let line): .shell(expand(line))
        }
    }

    public func expand(_ matcher: Matcher) -> Matcher {
        switch matcher {
        case .equals(let text): .equals(expand(text))
        case .contains(let text): .contains(expand(text))
        case .regex(let text): .regex(expand(text))
        case .not(let inner): .not(expand(inner))
        case .all(let parts): .all(parts.map(expand))
        case .number: matcher
        }
    }

    public func expand(_ value: FieldValue) -> FieldValue {
        switch value {
        case .string(let text): .string(expand(text))
        case .strings(let texts): .strings(texts.map(expand))
        case .matcher(let matcher): .matcher(expand(matcher))
        case .command(let command): .command(expand(command))
        case .int, .bool, .seconds: value
        }
    }
}
