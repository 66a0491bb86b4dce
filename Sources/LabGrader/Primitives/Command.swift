import Foundation
import LabFormat

struct CommandPrimitive: CheckPrimitive {
    static let format = PrimitiveFormat(
        "command",
        summary: "Runs a command; judges its exit status and, if given, its output.",
        followsTarget: true,
        fields: [
            "run": Schema.Field(.command, required: true, "the command"),
            "exit_status": Schema.Field(.int, "expected exit status (default 0)"),
            "stdout": Schema.Field(.matcher, "what standard output must match"),
            "stderr": Schema.Field(.matcher, "what standard error must match"),
        ])

    static func evaluate(_ fields: [String: FieldValue], on target: Target, timeout: Double,
                         with evaluator: Evaluator) async -> Verdict {
        guard case .command(let spec)? = fields["run"] else { return .failure("no command") }
        return await evaluator.judge(spec, target, timeout) { outcome, described in
            var verdict = Verdict(passed: true, command: described, output: evaluator.trimmed(outcome))
            var expected: [String] = [], got: [String] = []
            let wantedStatus = fields["exit_status"].flatMap { if case .int(let n) = $0 { n } else { nil } } ?? 0
            expected.append("exit status \(wantedStatus)")
            got.append("exit status \(outcome.status)")
            verdict.passed = Int(outcome.status) == wantedStatus
            for stream in ["stdout", "stderr"] {
                guard case .matcher(let matcher)? = fields[stream] else { continue }
                expected.append("\(stream) \(matcher.summary)")
                let text = stream == "stdout" ? outcome.stdout : outcome.stderr
                if !matcher.matches(text) {
                    verdict.passed = false
                    got.append("\(stream) did not match")
                }
            }
            verdict.expected = expected.joined(separator: ", ")
            verdict.got = got.joined(separator: ", ")
            return verdict
        }
    }
}
