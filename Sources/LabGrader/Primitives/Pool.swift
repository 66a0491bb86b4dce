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

    static func evaluate(_ fields: [String: FieldValue], on target: Target, timeout: Double,
                         with evaluator: Evaluator) async -> Verdict {
        await evaluator.activeObject("pool", fields) { connection, name in
            try connection.storagePools().first { $0.name == name }.map(\.active)
        }
    }
}
