import Foundation
import LabFormat

struct CapturePrimitive: CheckPrimitive {
    static let format = PrimitiveFormat(
        "capture",
        summary: "Saves a value (a command's output, or the first group of `regex`) under `as` for a later `compare`: the machine-id of a clone against its original, SSH host key fingerprints, MACs, UUIDs. Using a capture before the check that makes it is an error.",
        followsTarget: true, defines: "as",
        fields: [
            "as": Schema.Field(.string, required: true, "the name later checks use in compare"),
            "run": Schema.Field(.command, required: true, "the command whose output is saved"),
            "regex": Schema.Field(.string, "save only the first group of this pattern"),
        ])

    static func evaluate(_ fields: [String: FieldValue], on target: Target, timeout: Double,
                         with evaluator: Evaluator) async -> Verdict {
        guard case .command(let spec)? = fields["run"], case .string(let name)? = fields["as"] else {
            return .failure("capture needs run and as")
        }
        return await evaluator.judge(spec, target, timeout) { outcome, described in
            var value = outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            if case .string(let pattern)? = fields["regex"] {
                guard let regex = try? NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines]),
                      let match = regex.firstMatch(in: value, range: NSRange(value.startIndex..., in: value)),
                      match.numberOfRanges > 1, let range = Range(match.range(at: 1), in: value) else {
                    return Verdict(passed: false, expected: "output matching /\(pattern)/", got: value.isEmpty ? "nothing" : value,
                                   command: described, output: evaluator.trimmed(outcome))
                }
                value = String(value[range])
            }
            guard outcome.status == 0, !value.isEmpty else {
                return Verdict(passed: false, expected: "a value", got: "exit status \(outcome.status), "
                               + (value.isEmpty ? "no output" : value), command: described, output: evaluator.trimmed(outcome))
            }
            evaluator.context.captures.withLock { $0[name] = value }
            return Verdict(passed: true, expected: nil, got: "\(name) = \(value)", command: described)
        }
    }
}
