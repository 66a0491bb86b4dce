import Yams

/// Lab-wide rules a single field cannot know: unique ids, `needs` that exist and form no cycle, captures
/// made before they are compared, parameters that exist.
struct LabChecks {
    let reader: Reader
    let primitives: PrimitiveCatalog

    func run(_ lab: Lab, root: Node) {
        let stepNodes = (root.mapping?["steps"]?.sequence).map(Array.init) ?? []
        var stepIDs: [String: Int] = [:]
        var checkIDs: [String: String] = [:]  // check id -> step id
        var checkNodes: [String: Node] = [:]
        var capturesMade = Set<String>()
        let known = Set(lab.parameters.keys).union(Parameters.builtIn)

        for (stepIndex, step) in lab.steps.enumerated() {
            let stepNode = stepNodes.indices.contains(stepIndex) ? stepNodes[stepIndex] : root
            if stepIDs[step.id] != nil {
                reader.report(stepNode.mapping?["id"] ?? stepNode, "duplicate step id '\(step.id)'")
            }
            stepIDs[step.id] = stepIndex
            // Judged on the file: a check that failed to load has its own diagnostic already.
            if (stepNode.mapping?["checks"]?.sequence?.count ?? 0) == 0 {
                reader.report(stepNode, "step '\(step.id)' has no checks")
            }
            for text in [step.title, step.instructions] + step.hints { parameters(in: text, known, stepNode) }

            let checkNodeList = (stepNode.mapping?["checks"]?.sequence).map(Array.init) ?? []
            for (checkIndex, check) in step.checks.enumerated() {
                let node = checkNodeList.indices.contains(checkIndex) ? checkNodeList[checkIndex] : stepNode
                if let other = checkIDs[check.id] {
                    reader.report(node.mapping?["id"] ?? node,
                                  "duplicate check id '\(check.id)' (also in step '\(other)')")
                }
                checkIDs[check.id] = step.id
                checkNodes[check.id] = node
                parameters(in: check.title, known, node)
                let format = primitives[check.primitive]
                for field in format?.uses ?? [] {
                    guard case .string(let name)? = check.fields[field], !capturesMade.contains(name) else { continue }
                    reader.report(node, "capture '\(name)' is used before it is made (a 'capture' check with "
                                  + "as: \(name) must come earlier)")
                }
                if let field = format?.defines, case .string(let name)? = check.fields[field] {
                    capturesMade.insert(name)
                }
            }
        }

        for step in lab.steps {
            for check in step.checks {
                for need in check.needs where checkIDs[need] == nil {
                    reader.report(checkNodes[check.id]?.mapping?["needs"] ?? checkNodes[check.id],
                                  "check '\(check.id)' needs '\(need)', which no step defines")
                }
            }
        }
        reportCycles(lab, checkNodes)
        if lab.environment != nil, let environment = root.mapping?["environment"] {
            for node in Self.scalars(under: environment) { parameters(in: node.string ?? "", known, node) }
        }
    }

    private static func scalars(under node: Node) -> [Node] {
        switch node {
        case .scalar: return [node]
        case .mapping(let mapping): return mapping.values.flatMap(scalars)
        case .sequence(let sequence): return sequence.flatMap(scalars)
        }
    }

    /// `{{name}}` in text must name a parameter (or `student`).
    private func parameters(in text: String, _ known: Set<String>, _ node: Node) {
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else { break }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if !known.contains(name) {
                reader.report(node, "unknown parameter '{{\(name)}}' (defined: " + known.sorted().joined(separator: ", ") + ")")
            }
            rest = rest[close.upperBound...]
        }
    }

    /// A cycle in `needs` would leave every check in it waiting for another: report each cycle once.
    private func reportCycles(_ lab: Lab, _ nodes: [String: Node]) {
        let needs = Dictionary(lab.steps.flatMap(\.checks).map { ($0.id, $0.needs) }, uniquingKeysWith: { a, _ in a })
        var state: [String: Int] = [:]  // 1 visiting, 2 done
        var reported = Set<String>()
        func visit(_ id: String, _ path: [String]) {
            if state[id] == 2 { return }
            if state[id] == 1 {
                let cycle = Array(path.drop { $0 != id }) + [id]
                if reported.insert(cycle.sorted().joined(separator: ",")).inserted {
                    reader.report(nodes[id]?.mapping?["needs"] ?? nodes[id],
                                  "'needs' forms a cycle: " + cycle.joined(separator: " -> "))
                }
                return
            }
            state[id] = 1
            for next in needs[id] ?? [] where needs[next] != nil { visit(next, path + [id]) }
            state[id] = 2
        }
        for id in needs.keys.sorted() { visit(id, []) }
    }
}

extension Node.Mapping {
    subscript(key: String) -> Node? { first { $0.key.string == key }?.value }
}
