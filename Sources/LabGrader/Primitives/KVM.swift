import HostDoctor
import LabFormat

struct KVMPrimitive: CheckPrimitive {
    static let format = PrimitiveFormat(
        "kvm",
        summary: "Whether /dev/kvm is there and usable on the host.",
        followsTarget: false,
        fields: [
            "present": Schema.Field(.bool, "/dev/kvm exists"),
            "usable": Schema.Field(.bool, "/dev/kvm opens read-write"),
        ],
        validate: PrimitiveFormat.needsOneCondition("kvm"))

    static func evaluate(_ fields: [String: FieldValue], on target: Target, timeout: Double,
                         with evaluator: Evaluator) async -> Verdict {
        let device = KVMDevice.probe()
        var passed = true
        var expected: [String] = []
        if case .bool(let present)? = fields["present"] {
            expected.append(present ? "/dev/kvm present" : "/dev/kvm absent")
            passed = passed && device.exists == present
        }
        if case .bool(let usable)? = fields["usable"] {
            expected.append(usable ? "/dev/kvm usable" : "/dev/kvm not usable")
            passed = passed && device.usable == usable
        }
        return .judged(passed, expected: expected.joined(separator: ", "),
                       got: device.usable ? "/dev/kvm usable" : device.problem ?? "unusable")
    }
}
