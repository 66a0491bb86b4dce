import BlockingWork
import ProcessRunner
import ImageKit
import LabFormat

struct ImagePrimitive: CheckPrimitive {
    static let format = PrimitiveFormat(
        "image",
        summary: "A disk image file, read from its header: format, virtual size, backing file.",
        followsTarget: false,
        fields: [
            "path": Schema.Field(.string, required: true, "the disk image file"),
            "exists": Schema.Field(.bool, "exists (or not)"),
            "format": Schema.Field(.matcher, "detected from the header: qcow2, raw, iso"),
            "virtual_size": Schema.Field(.matcher, "virtual size in bytes (what the guest sees)"),
            "allocated_size": Schema.Field(.matcher, "bytes the file takes on the host's disk (thin provisioning: less)"),
            "backing_file": Schema.Field(.matcher, "its backing file"),
        ])

    /// It asks libvirt or reads a disk image (both block): on the blocking pool.
    static func evaluate(_ fields: [String: FieldValue], on target: Target, timeout: Double,
                         with evaluator: Evaluator) async -> Verdict {
        await BlockingPool.run { judgeImage(fields, evaluator) }
    }

    private static func judgeImage(_ fields: [String: FieldValue], _ evaluator: Evaluator) -> Verdict {
        guard case .string(let path)? = fields["path"] else { return .failure("no path") }
        let wantExists = evaluator.flag(fields, "exists") ?? true
        guard let image = DiskImage.inspect(path: path) else {
            return .judged(!wantExists, expected: "\(path) \(wantExists ? "exists" : "is absent")", got: "no such file")
        }
        guard wantExists else { return .judged(false, expected: "\(path) is absent", got: "it exists") }
        let facts = ["format": image.format, "virtual_size": "\(image.virtualSize)", "allocated_size": "\(image.sizeOnDisk)",
                     "backing_file": image.backingFile ?? ""]
        var passed = true, expected: [String] = [], got: [String] = []
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
            guard case .matcher(let matcher) = value, let actual = facts[key] else { continue }
            expected.append("\(key) \(matcher.summary)")
            got.append("\(key) \(actual.isEmpty ? "none" : actual)")
            passed = passed && matcher.matches(actual)
        }
        return .judged(passed, expected: expected.isEmpty ? "\(path) exists" : expected.joined(separator: ", "),
                       got: got.isEmpty ? "\(image.format) image" : got.joined(separator: ", "))
    }
}
