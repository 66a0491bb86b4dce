import ContainerKit
import Foundation
import LabFormat

struct ContainerPrimitive: CheckPrimitive {
    static let format = PrimitiveFormat(
        "container",
        summary: "A container, asked of the engine: exists, its state, image, and whether it was made interactive.",
        followsTarget: false,
        fields: [
            "name": Schema.Field(.string, required: true, "the container"),
            "exists": Schema.Field(.bool, "exists (or not)"),
            "state": Schema.Field(.matcher, "running, exited, paused, ..."),
            "image": Schema.Field(.matcher, "its image, repository:tag"),
            "interactive": Schema.Field(.bool, "made with a terminal and open stdin (run -it), as an OS container's shell is"),
        ])

    static func evaluate(_ fields: [String: FieldValue], on target: Target, timeout: Double,
                         with evaluator: Evaluator) async -> Verdict {
        guard case .string(let name)? = fields["name"] else { return .failure("no container name") }
        let client: EngineClient
        do { client = try await evaluator.context.engine() } catch {
            return .failure("no container engine: \((error as? EngineError)?.message ?? "\(error)")")
        }
        let container: (summary: ContainerSummary, interactive: Bool)?
        do {
            if let found = try await client.containers(includeStopped: true).first(where: { $0.name == name }) {
                let terminal = try await client.interactivity(found.id)
                container = (found, terminal.tty && terminal.openStdin)
            } else {
                container = nil
            }
        } catch {
            return .failure("no container engine: \((error as? EngineError)?.message ?? "\(error)")")
        }
        let wantExists = evaluator.flag(fields, "exists") ?? true
        guard let (found, interactive) = container else {
            return .judged(!wantExists, expected: "container \(name) \(wantExists ? "exists" : "is absent")",
                           got: "no container \(name)")
        }
        guard wantExists else { return .judged(false, expected: "container \(name) is absent", got: "it exists") }
        let facts = ["state": found.state.rawValue, "image": found.image]
        var passed = true, expected: [String] = [], got: [String] = []
        for key in ["state", "image"] {
            guard case .matcher(let matcher)? = fields[key], let actual = facts[key] else { continue }
            expected.append("\(key) \(matcher.summary)")
            got.append("\(key) \(actual)")
            passed = passed && matcher.matches(actual)
        }
        if case .bool(let want)? = fields["interactive"] {
            expected.append(want ? "interactive (terminal, open stdin)" : "not interactive")
            got.append(interactive ? "interactive" : "no terminal")
            passed = passed && interactive == want
        }
        return .judged(passed, expected: expected.isEmpty ? "container \(name) exists" : expected.joined(separator: ", "),
                       got: got.isEmpty ? "it exists (\(found.state.rawValue))" : got.joined(separator: ", "))
    }
}
