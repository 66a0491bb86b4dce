import Foundation
import HostDoctor
import LabFormat

struct CPUFlagsPrimitive: CheckPrimitive {
    static let format = PrimitiveFormat(
        "cpu_flags",
        summary: "CPU flags in /proc/cpuinfo (vmx, svm, hypervisor, ...).",
        followsTarget: true,
        fields: [
            "any_of": Schema.Field(.stringList, "at least one of these flags in /proc/cpuinfo"),
            "all_of": Schema.Field(.stringList, "all of these flags"),
            "none_of": Schema.Field(.stringList, "none of these flags"),
        ],
        validate: { $0.isEmpty ? "'cpu_flags' needs any_of, all_of or none_of" : nil })

    static func evaluate(_ fields: [String: FieldValue], on target: Target, timeout: Double,
                         with evaluator: Evaluator) async -> Verdict {
        let cpuinfo: String
        switch await Self.cpuinfo(target, timeout, evaluator) {
        case .success(let text): cpuinfo = text
        case .failure(let verdict): return verdict
        }
        let flags = CPUVirtualization.flags(cpuinfo: cpuinfo)
        var passed = true
        var expected: [String] = []
        if case .strings(let any)? = fields["any_of"] {
            expected.append("any of \(any.joined(separator: ", "))")
            passed = passed && any.contains(where: flags.contains)
        }
        if case .strings(let all)? = fields["all_of"] {
            expected.append("all of \(all.joined(separator: ", "))")
            passed = passed && all.allSatisfy(flags.contains)
        }
        if case .strings(let none)? = fields["none_of"] {
            expected.append("none of \(none.joined(separator: ", "))")
            passed = passed && !none.contains(where: flags.contains)
        }
        let relevant = ["vmx", "svm", "hypervisor"].filter(flags.contains)
        return .judged(passed, expected: expected.joined(separator: "; "),
                       got: relevant.isEmpty ? "no vmx, svm or hypervisor flag" : relevant.joined(separator: ", "))
    }

    /// /proc/cpuinfo of the target: the host's, or a guest's (whose CPU model libvirt chose).
    private static func cpuinfo(_ target: Target, _ timeout: Double, _ evaluator: Evaluator) async -> Result<String, Verdict> {
        guard target != .host else {
            guard case .success(let text) = HostFiles().read("/proc/cpuinfo") else {
                return .failure(.failure("/proc/cpuinfo is not readable"))
            }
            return .success(text)
        }
        return await evaluator.run(.argv(["cat", "/proc/cpuinfo"]), target, timeout).map(\.0.stdout)
    }
}
