import Foundation
import LabFormat

struct CloudInitPrimitive: CheckPrimitive {
    static let format = PrimitiveFormat(
        "cloud_init",
        summary: "Whether cloud-init has finished, from `cloud-init status --format json` in the target.",
        followsTarget: true,
        fields: [
            "status": Schema.Field(.matcher, required: true, "the status field of `cloud-init status --format json`: done, ..."),
        ])

    static func evaluate(_ fields: [String: FieldValue], on target: Target, timeout: Double,
                         with evaluator: Evaluator) async -> Verdict {
        guard case .matcher(let matcher)? = fields["status"] else { return .failure("no status") }
        return await evaluator.judge(.argv(["cloud-init", "status", "--format", "json"]), target, timeout) { outcome, described in
            guard outcome.status != 127 else { return Verdict(passed: false, command: described, error: "cloud-init is not installed here") }
            // Judged on the JSON status field: cloud-init's exit status also reflects recoverable errors.
            guard let json = try? JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)),
                  let status = JSONPath.value(at: "$.status", in: json) else {
                return Verdict(passed: false, expected: "status \(matcher.summary)", got: "no JSON status", command: described,
                               output: evaluator.trimmed(outcome))
            }
            return Verdict(passed: matcher.matches(status), expected: "status \(matcher.summary)", got: "status \(status)",
                           command: described)
        }
    }
}
