import LabFormat

struct ComparePrimitive: CheckPrimitive {
    static let format = PrimitiveFormat(
        "compare",
        summary: "Checks two captures are equal, or that they differ.",
        followsTarget: false, uses: ["left", "right"],
        fields: [
            "left": Schema.Field(.string, required: true, "a capture's name"),
            "right": Schema.Field(.string, required: true, "another capture's name"),
            "equal": Schema.Field(.bool, required: true, "true: must be equal; false: must differ"),
        ])

    static func evaluate(_ fields: [String: FieldValue], on target: Target, timeout: Double,
                         with evaluator: Evaluator) async -> Verdict {
        guard case .string(let left)? = fields["left"], case .string(let right)? = fields["right"],
              case .bool(let equal)? = fields["equal"] else { return .failure("compare needs left, right and equal") }
        let (a, b) = evaluator.context.captures.withLock { ($0[left], $0[right]) }
        guard let a, let b else {
            return .failure("nothing captured as \(a == nil ? left : right) (its capture check did not pass)")
        }
        return .judged((a == b) == equal, expected: "\(left) \(equal ? "equals" : "differs from") \(right)",
                       got: "\(left) = \(a), \(right) = \(b)")
    }
}
