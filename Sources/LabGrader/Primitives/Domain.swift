import BlockingWork
import ProcessRunner
import ImageKit
import Inventory
import LabFormat
import VirtKit

struct DomainPrimitive: CheckPrimitive {
    static let format = PrimitiveFormat(
        "domain",
        summary: "A libvirt domain: defined or not, its state, autostart, snapshots, disks, NICs, memory, vCPUs.",
        followsTarget: false,
        fields: [
            "name": Schema.Field(.string, required: true, "the libvirt domain"),
            "uri": Schema.Field(.string, "look on this libvirt host instead of the lab's (where a VM moved to)"),
            "exists": Schema.Field(.bool, "defined (or not)"),
            "state": Schema.Field(.matcher, "running, paused, shut off, ..."),
            "autostart": Schema.Field(.bool, "starts with the host"),
            "uuid": Schema.Field(.matcher, "its UUID"),
            "has_snapshot": Schema.Field(.string, "a snapshot of this name exists"),
            "disk_format": Schema.Field(.matcher, "format of its first disk: qcow2, raw"),
            "backing_file": Schema.Field(.matcher, "backing file of its first disk"),
            "nic_count": Schema.Field(.matcher, "number of NICs"),
            "macs": Schema.Field(.matcher, "its MAC addresses, comma-separated"),
            "memory_mib": Schema.Field(.matcher, "maximum memory in MiB"),
            "vcpus": Schema.Field(.matcher, "virtual CPUs"),
        ])

    /// It asks libvirt or reads a disk image (both block): on the blocking pool.
    static func evaluate(_ fields: [String: FieldValue], on target: Target, timeout: Double,
                         with evaluator: Evaluator) async -> Verdict {
        await BlockingPool.run { judgeDomain(fields, evaluator) }
    }

    private static func judgeDomain(_ fields: [String: FieldValue], _ evaluator: Evaluator) -> Verdict {
        guard case .string(let name)? = fields["name"] else { return .failure("no domain name") }
        let connection: Connection
        var uri: String?
        if case .string(let other)? = fields["uri"] { uri = other }
        do { connection = try evaluator.context.libvirt(uri) } catch { return .failure("cannot connect to libvirt: \(error)") }
        let wantExists = evaluator.flag(fields, "exists") ?? true
        guard let domain = try? connection.domain(named: name) else {
            return .judged(!wantExists, expected: "domain \(name) \(wantExists ? "exists" : "is absent")",
                           got: "no domain \(name) on \(connection.uri)")
        }
        guard wantExists else { return .judged(false, expected: "domain \(name) is absent", got: "it exists") }
        guard let details = try? domain.details() else { return .failure("cannot read domain \(name)") }
        var facts: [String: String] = [
            "state": details.state.map { MachineState(libvirtState: $0.rawValue).label } ?? "unknown", "uuid": details.uuid, "nic_count": "\(details.nics.count)",
            "macs": details.nics.map(\.mac).joined(separator: ","), "memory_mib": "\(details.maxMemoryKiB / 1024)",
            "vcpus": "\(details.vcpus)", "disk_format": details.disks.first { $0.device == "disk" }?.format ?? "",
        ]
        if let disk = details.disks.first(where: { $0.device == "disk" })?.source {
            facts["backing_file"] = DiskImage.inspect(path: disk)?.backingFile ?? ""
        }
        var passed = true, expected: [String] = [], got: [String] = []
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) where !["name", "exists", "uri"].contains(key) {
            switch (key, value) {
            case ("autostart", .bool(let want)):
                expected.append("autostart \(want)")
                got.append("autostart \(details.autostart)")
                passed = passed && details.autostart == want
            case ("has_snapshot", .string(let snapshot)):
                let names = (try? domain.snapshots().map(\.name)) ?? []
                expected.append("snapshot \(snapshot)")
                got.append("snapshots: \(names.isEmpty ? "none" : names.joined(separator: ", "))")
                passed = passed && names.contains(snapshot)
            case (_, .matcher(let matcher)):
                let actual = facts[key] ?? ""
                expected.append("\(key) \(matcher.summary)")
                got.append("\(key) \(actual)")
                passed = passed && matcher.matches(actual)
            default: break
            }
        }
        return .judged(passed, expected: expected.isEmpty ? "domain \(name) exists" : expected.joined(separator: ", "),
                       got: got.isEmpty ? "it exists" : got.joined(separator: ", "))
    }
}
