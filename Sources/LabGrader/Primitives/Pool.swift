import BlockingWork
import ProcessRunner
import LabFormat
import VirtKit

struct PoolPrimitive: CheckPrimitive {
    static let format = PrimitiveFormat(
        "pool",
        summary: "A libvirt storage pool: defined, started.",
        followsTarget: false,
        fields: [
            "name": Schema.Field(.string, required: true, "the storage pool"),
            "exists": Schema.Field(.bool, "defined (or not)"),
            "active": Schema.Field(.bool, "started (or not)"),
        ])

    /// It asks libvirt (which blocks): on the blocking pool.
    static func evaluate(_ fields: [String: FieldValue], on target: Target, timeout: Double,
                         with evaluator: Evaluator) async -> Verdict {
        guard case .string(let name)? = fields["name"] else { return .failure("no name") }
        let context = evaluator.context
        let asked = await BlockingPool.run { Result { try context.libvirt().storagePools().first { $0.name == name } } }
        let active: Bool?
        do { active = try asked.get()?.active } catch { return .failure("cannot ask libvirt: \(error)") }
        let wantExists = evaluator.flag(fields, "exists") ?? true
        var passed = (active != nil) == wantExists
        var expected = ["pool \(name) \(wantExists ? "exists" : "is absent")"]
        if case .bool(let want)? = fields["active"] {
            expected.append(want ? "active" : "inactive")
            passed = passed && active == want
        }
        return .judged(passed, expected: expected.joined(separator: ", "),
                       got: active.map { $0 ? "exists, active" : "exists, inactive" } ?? "absent")
    }
}
