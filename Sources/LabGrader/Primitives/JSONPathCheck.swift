import Foundation
import LabFormat

struct JSONPathPrimitive: CheckPrimitive {
    static let format = PrimitiveFormat(
        "jsonpath",
        summary: "A value in a command's JSON output.",
        followsTarget: true,
        fields: [
            "run": Schema.Field(.command, required: true, "a command printing JSON"),
            "path": Schema.Field(.string, required: true, "e.g. $.status"),
            "value": Schema.Field(.matcher, required: true, "what the value must match"),
        ])

    static func evaluate(_ fields: [String: FieldValue], on target: Target, timeout: Double,
                         with evaluator: Evaluator) async -> Verdict {
        guard case .command(let spec)? = fields["run"], case .string(let path)? = fields["path"],
              case .matcher(let matcher)? = fields["value"] else { return .failure("jsonpath needs run, path, value") }
        return await evaluator.judge(spec, target, timeout) { outcome, described in
            guard let json = try? JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8), options: [.fragmentsAllowed]) else {
                return Verdict(passed: false, expected: "JSON output", got: "not JSON", command: described,
                               output: evaluator.trimmed(outcome))
            }
            guard let value = JSONPath.value(at: path, in: json) else {
                return Verdict(passed: false, expected: "\(path) \(matcher.summary)", got: "\(path) not found",
                               command: described, output: evaluator.trimmed(outcome))
            }
            return Verdict(passed: matcher.matches(value), expected: "\(path) \(matcher.summary)", got: "\(path) = \(value)",
                           command: described)
        }
    }
}
