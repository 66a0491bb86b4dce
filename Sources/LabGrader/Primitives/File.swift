import BlockingWork
import Digests
import Foundation
import ProcessRunner
import LabFormat

struct FilePrimitive: CheckPrimitive {
    static let format = PrimitiveFormat(
        "file",
        summary: "A file: whether it exists, its size, mode, owner, contents or digest.",
        followsTarget: true,
        fields: [
            "path": Schema.Field(.string, required: true, "absolute path in the target"),
            "exists": Schema.Field(.bool, "true: must exist; false: must be absent"),
            "empty": Schema.Field(.bool, "must be empty (or not)"),
            "mode": Schema.Field(.string, "octal permissions, e.g. \"0644\""),
            "owner": Schema.Field(.string, "user name"),
            "contents": Schema.Field(.matcher, "what the contents must match"),
            "sha256": Schema.Field(.string, "hex digest of the contents"),
        ])

    static func evaluate(_ fields: [String: FieldValue], on target: Target, timeout: Double,
                         with evaluator: Evaluator) async -> Verdict {
        guard case .string(let path)? = fields["path"] else { return .failure("no path") }
        let found: FileFacts?
        switch await facts(path, target, timeout, contents: fields["contents"] != nil || fields["sha256"] != nil, evaluator) {
        case .success(let facts): found = facts
        case .failure(let verdict): return verdict
        }
        let wantExists = evaluator.flag(fields, "exists") ?? true
        guard (found != nil) == wantExists else {
            return .judged(false, expected: "\(path) \(wantExists ? "exists" : "is absent")",
                           got: found != nil ? "it exists" : "no such file")
        }
        guard let facts = found else { return .judged(true, expected: "\(path) is absent", got: "absent") }
        var expected: [String] = [], got: [String] = []
        var passed = true
        if case .bool(let wantEmpty)? = fields["empty"] {
            expected.append(wantEmpty ? "empty" : "not empty")
            got.append("\(facts.size) bytes")
            passed = passed && ((facts.size == 0) == wantEmpty)
        }
        if case .string(let mode)? = fields["mode"] {
            expected.append("mode \(mode)")
            got.append("mode 0" + String(facts.mode, radix: 8))
            passed = passed && Int(mode, radix: 8) == facts.mode
        }
        if case .string(let owner)? = fields["owner"] {
            expected.append("owner \(owner)")
            got.append("owner \(facts.owner)")
            passed = passed && facts.owner == owner
        }
        if case .matcher(let matcher)? = fields["contents"] {
            let text = String(decoding: facts.contents.prefix(HostProcess.outputCap), as: UTF8.self)
            expected.append("contents \(matcher.summary)")
            let matched = matcher.matches(text)
            got.append(matched ? "contents match" : "contents: " + String(text.prefix(200)))
            passed = passed && matched
        }
        if case .string(let digest)? = fields["sha256"] {
            let actual = Digests.hex(Digests.sha256(facts.contents))
            expected.append("sha256 \(digest)")
            got.append("sha256 \(actual)")
            passed = passed && actual == digest.lowercased()
        }
        return .judged(passed, expected: expected.isEmpty ? "\(path) exists" : expected.joined(separator: ", "),
                       got: got.isEmpty ? "it exists" : got.joined(separator: ", "))
    }

    /// What the file primitive judges, read on the host directly or in a target with stat and cat.
    private struct FileFacts {
        var size = 0, mode = -1
        var owner = "?"
        var contents = Data()
    }

    private static func facts(_ path: String, _ target: Target, _ timeout: Double, contents: Bool,
                              _ evaluator: Evaluator)
        async -> Result<FileFacts?, Verdict>
    {
        guard target != .host else { return .success(await BlockingPool.run { hostFacts(path, contents: contents) }) }
        let stat: ProcessOutcome
        switch await evaluator.run(.argv(["stat", "-L", "-c", "%s %a %U", "--", path]), target, timeout) {
        case .success(let (outcome, _)): stat = outcome
        case .failure(let verdict): return .failure(verdict)
        }
        guard stat.status == 0 else { return .success(nil) }
        let words = stat.stdout.split(whereSeparator: \.isWhitespace).map(String.init)
        var facts = FileFacts(size: Int(words.first ?? "") ?? 0, mode: Int(words.dropFirst().first ?? "", radix: 8) ?? -1,
                              owner: words.dropFirst(2).first ?? "?")
        guard contents else { return .success(facts) }
        switch await evaluator.run(.argv(["cat", "--", path]), target, timeout) {
        case .success(let (read, _)): facts.contents = Data(read.stdout.utf8)
        case .failure(let verdict): return .failure(verdict)
        }
        return .success(facts)
    }

    /// A file on this host, read directly (a slow disk blocks: on the blocking pool).
    private static func hostFacts(_ path: String, contents: Bool) -> FileFacts? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let attributes = (try? FileManager.default.attributesOfItem(atPath: path)) ?? [:]
        return FileFacts(size: (attributes[.size] as? NSNumber)?.intValue ?? 0,
                         mode: (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1,
                         owner: attributes[.ownerAccountName] as? String ?? "?",
                         contents: contents ? FileManager.default.contents(atPath: path) ?? Data() : Data())
    }
}
