import LabFormat
import VirtKit

struct NetworkPrimitive: CheckPrimitive {
    static let format = PrimitiveFormat(
        "network",
        summary: "A libvirt virtual network: defined, started.",
        followsTarget: false,
        fields: [
            "name": Schema.Field(.string, required: true, "the libvirt network"),
            "exists": Schema.Field(.bool, "defined (or not)"),
            "active": Schema.Field(.bool, "started (or not)"),
        ])

    static func evaluate(_ fields: [String: FieldValue], on target: Target, timeout: Double,
                         with evaluator: Evaluator) async -> Verdict {
        await evaluator.activeObject("network", fields) { connection, name in
            try connection.networks().first { $0.name == name }.map(\.active)
        }
    }
}
