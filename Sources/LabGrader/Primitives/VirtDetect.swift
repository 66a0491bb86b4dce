import Foundation
import HostDoctor
import LabFormat

struct VirtDetectPrimitive: CheckPrimitive {
    static let format = PrimitiveFormat(
        "virt_detect",
        summary: "What a system runs on: virtlab's own detection on the host, `systemd-detect-virt` in a target.",
        followsTarget: true,
        fields: [
            "is": Schema.Field(.matcher, "what this system runs on: none, kvm, qemu, docker, podman, lxc, ..."),
        ],
        validate: PrimitiveFormat.needsOneCondition("virt_detect"))

    /// On the host, HostDoctor's own detection (it explains its clues); in a guest or container, what
    /// systemd-detect-virt says there.
    static func evaluate(_ fields: [String: FieldValue], on target: Target, timeout: Double,
                         with evaluator: Evaluator) async -> Verdict {
        guard case .matcher(let matcher)? = fields["is"] else { return .failure("no condition") }
        guard target == .host else {
            return await evaluator.judge(.argv(["systemd-detect-virt"]), target, timeout) { outcome, described in
                let found = outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                return Verdict(passed: matcher.matches(found), expected: "runs on \(matcher.summary)",
                               got: found.isEmpty ? "no answer" : found, command: described, output: evaluator.trimmed(outcome))
            }
        }
        let cpu = (try? HostFiles().read("/proc/cpuinfo").get()).map(CPUVirtualization.init(cpuinfo:))
            ?? CPUVirtualization(cpuinfo: "")
        let found = VirtualizationDetection.detect(cpu: cpu)
        return .judged(matcher.matches(found.summary), expected: "runs on \(matcher.summary)",
                       got: "\(found.summary) (\(found.clues.joined(separator: "; ")))")
    }
}
