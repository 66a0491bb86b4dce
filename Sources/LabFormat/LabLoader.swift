import Foundation
import Yams

/// Reads lab files. Every problem is reported, each at its own file:line:column; a lab comes back only
/// when there are none.
public enum LabLoader {
    public static func load(file: String, primitives: PrimitiveCatalog) -> (lab: Lab?, diagnostics: [LabDiagnostic]) {
        guard let data = FileManager.default.contents(atPath: file) else {
            return (nil, [LabDiagnostic(file: file, line: 1, column: 1, message: "cannot read the file")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return (nil, [LabDiagnostic(file: file, line: 1, column: 1, message: "not UTF-8 text")])
        }
        return parse(text, file: file, primitives: primitives)
    }

    public static func parse(_ text: String, file: String, primitives: PrimitiveCatalog)
        -> (lab: Lab?, diagnostics: [LabDiagnostic])
    {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            return (nil, [diagnostic(for: error, file: file)])
        } catch {
            return (nil, [LabDiagnostic(file: file, line: 1, column: 1, message: "\(error)")])
        }
        guard let root else {
            return (nil, [LabDiagnostic(file: file, line: 1, column: 1, message: "the file is empty")])
        }
        let reader = Reader(file: file, source: text, primitives: primitives)
        let lab = reader.lab(root)
        if let lab { LabChecks(reader: reader, primitives: primitives).run(lab, root: root) }
        let diagnostics = reader.diagnostics.sorted()
        return (diagnostics.isEmpty ? lab : nil, diagnostics)
    }

    /// A YAML syntax error at its line and column (also for virtlab's other YAML files).
    public static func diagnostic(for error: YamlError, file: String) -> LabDiagnostic {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
             .composer(_, let problem, let mark, _):
            return LabDiagnostic(file: file, line: mark.line, column: mark.column, message: "YAML: \(problem)")
        case .reader(let problem, _, _, _):
            return LabDiagnostic(file: file, line: 1, column: 1, message: "YAML: \(problem)")
        default:
            return LabDiagnostic(file: file, line: 1, column: 1, message: "YAML: \(error)")
        }
    }
}

/// Walks the YAML tree against `Schema` and the primitives, collecting diagnostics.
final class Reader {
    let file: String
    let source: String
    let primitives: PrimitiveCatalog
    private(set) var diagnostics: [LabDiagnostic] = []

    init(file: String, source: String, primitives: PrimitiveCatalog) {
        self.file = file
        self.source = source
        self.primitives = primitives
    }

    func report(_ node: Node?, _ message: String) {
        let mark = node?.mark
        diagnostics.append(LabDiagnostic(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, message: message))
    }

    // MARK: Structure

    func lab(_ node: Node) -> Lab? {
        guard let fields = mapping(node, Schema.lab, what: "the lab") else { return nil }
        let steps = list(fields["steps"], what: "steps").compactMap(step)
        if fields["steps"] != nil && steps.isEmpty && list(fields["steps"], what: "steps").isEmpty {
            report(fields["steps"], "a lab needs at least one step")
        }
        let requirements = strings(fields["requirements"], "requirements").compactMap { name -> Requirement? in
            guard let requirement = Requirement(rawValue: name) else {
                report(fields["requirements"], "unknown requirement '\(name)' (known: "
                       + Requirement.allCases.map(\.rawValue).joined(separator: ", ") + ")")
                return nil
            }
            return requirement
        }
        return Lab(file: file, source: source, id: string(fields["id"], "id") ?? "", title: string(fields["title"], "title") ?? "",
                   objectives: strings(fields["objectives"], "objectives"),
                   description: string(fields["description"], "description") ?? "", requirements: requirements,
                   parameters: parameters(fields["parameters"]), environment: environment(fields["environment"]), steps: steps)
    }

    func step(_ node: Node) -> Step? {
        guard let fields = mapping(node, Schema.step, what: "a step") else { return nil }
        let checks = list(fields["checks"], what: "checks").compactMap(check)
        return Step(id: string(fields["id"], "id") ?? "", title: string(fields["title"], "title") ?? "",
                    instructions: string(fields["instructions"], "instructions") ?? "",
                    hints: strings(fields["hints"], "hints"), setup: fields["setup"].flatMap(action),
                    cleanup: fields["cleanup"].flatMap(action), solve: fields["solve"].flatMap(action),
                    checks: checks)
    }

    func check(_ node: Node) -> Check? {
        guard let pairs = node.mapping else {
            report(node, "a check must be a mapping with id, title and one primitive")
            return nil
        }
        // Split the check's own keys from its primitive.
        var own: [(Node, Node)] = []
        var found: [(name: String, key: Node, value: Node)] = []
        for (key, value) in pairs {
            let name = key.string ?? ""
            if primitives[name] != nil { found.append((name, key, value)) } else { own.append((key, value)) }
        }
        guard let fields = mapping(Node(own, .implicit, .block), Schema.check, what: "a check", at: node,
                                   alsoAllowed: primitives.names) else { return nil }
        guard let primitive = found.first else {
            report(node, "a check needs one primitive: " + primitives.names.joined(separator: ", "))
            return nil
        }
        if found.count > 1 {
            report(found[1].key, "a check has exactly one primitive; this one has \(found.map(\.name).joined(separator: " and "))")
        }
        let values = primitiveFields(primitive.name, primitive.value)
        let target = target(fields["target"])
        if target != .host && primitives[primitive.name]?.followsTarget != true {
            report(fields["target"], "'\(primitive.name)' looks from the host (libvirt, the engine or its files) and takes "
                   + "no target; targets apply to " + primitives.targetable.joined(separator: ", "))
        }
        return Check(id: string(fields["id"], "id") ?? "", title: string(fields["title"], "title") ?? "",
                     points: int(fields["points"], "points") ?? 1, target: target,
                     needs: strings(fields["needs"], "needs"),
                     timeout: duration(fields["timeout"]) ?? 30, retries: int(fields["retries"], "retries") ?? 0,
                     retryDelay: duration(fields["retry_delay"]) ?? 2, failure: string(fields["failure"], "failure"),
                     primitive: primitive.name, fields: values)
    }

    func primitiveFields(_ name: String, _ node: Node) -> [String: FieldValue] {
        guard let format = primitives[name], let fields = mapping(node, format.fields, what: "'\(name)'") else { return [:] }
        var values: [String: FieldValue] = [:]
        for (key, value) in fields {
            guard let field = format.fields[key], let typed = self.value(value, field.type, key) else { continue }
            values[key] = typed
        }
        if let problem = format.validate(values) { report(node, problem) }
        return values
    }

    // MARK: Mappings and values

    /// The node's fields by name, after reporting unknown keys, missing required ones and wrong types.
    func mapping(_ node: Node, _ schema: [String: Schema.Field], what: String, at position: Node? = nil,
                 alsoAllowed: [String] = []) -> [String: Node]? {
        guard let pairs = node.mapping else {
            report(position ?? node, "\(what) must be a mapping of keys to values")
            return nil
        }
        var fields: [String: Node] = [:]
        for (key, value) in pairs {
            guard let name = key.string else {
                report(key, "keys must be plain words")
                continue
            }
            if fields[name] != nil {
                report(key, "'\(name)' is given twice in \(what)")
                continue
            }
            guard schema[name] != nil else {
                let known = Array(schema.keys) + alsoAllowed
                let hint = Self.closest(to: name, in: known).map { " (did you mean '\($0)'?)" } ?? ""
                report(key, "unknown key '\(name)' in \(what)\(hint)")
                continue
            }
            fields[name] = value
        }
        for (name, field) in schema where field.required && fields[name] == nil {
            report(position ?? node, "\(what) needs '\(name)' (\(field.summary))")
        }
        return fields
    }

    func value(_ node: Node, _ type: Schema.ValueType, _ key: String) -> FieldValue? {
        switch type {
        case .string: return string(node, key).map(FieldValue.string)
        case .int: return int(node, key).map(FieldValue.int)
        case .bool:
            guard let value = node.scalar.flatMap({ Bool.construct(from: $0) }) else {
                report(node, "'\(key)' must be \(type.label)")
                return nil
            }
            return .bool(value)
        case .stringList: return node.sequence == nil && node.scalar == nil ? wrong(node, key, type) : .strings(strings(node, key))
        case .duration: return duration(node).map(FieldValue.seconds)
        case .matcher: return matcher(node, key).map(FieldValue.matcher)
        case .command: return command(node).map(FieldValue.command)
        case .action: return nil  // steps read actions themselves
        case .mapping, .list: return wrong(node, key, type)  // read by their own readers, never as a value
        }
    }

    private func wrong(_ node: Node, _ key: String, _ type: Schema.ValueType) -> FieldValue? {
        report(node, "'\(key)' must be \(type.label)")
        return nil
    }

    func string(_ node: Node?, _ key: String) -> String? {
        guard let node else { return nil }
        guard let scalar = node.scalar else {
            report(node, "'\(key)' must be a string")
            return nil
        }
        return scalar.string
    }

    func int(_ node: Node?, _ key: String) -> Int? {
        guard let node else { return nil }
        guard let value = node.scalar.flatMap({ Int.construct(from: $0) }) else {
            report(node, "'\(key)' must be a whole number")
            return nil
        }
        if value < 0 { report(node, "'\(key)' cannot be negative") }
        return value
    }

    /// A list of strings; a single string is taken as a list of one.
    func strings(_ node: Node?, _ key: String) -> [String] {
        guard let node else { return [] }
        if let scalar = node.scalar { return [scalar.string] }
        guard let items = node.sequence else {
            report(node, "'\(key)' must be a list of strings")
            return []
        }
        return items.compactMap { item in
            guard let scalar = item.scalar else {
                report(item, "each item of '\(key)' must be a string")
                return nil
            }
            return scalar.string
        }
    }

    func list(_ node: Node?, what: String) -> [Node] {
        guard let node else { return [] }
        guard let items = node.sequence else {
            report(node, "'\(what)' must be a list")
            return []
        }
        return Array(items)
    }

    func duration(_ node: Node?) -> Double? {
        guard let node else { return nil }
        guard let text = node.scalar?.string, let seconds = Self.seconds(text) else {
            report(node, "expected \(Schema.ValueType.duration.label)")
            return nil
        }
        return seconds
    }

    static func seconds(_ text: String) -> Double? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            if let value = Double(text.dropLast(suffix.count)), value >= 0 { return value * scale }
        }
        return Double(text).flatMap { $0 >= 0 ? $0 : nil }
    }

    func command(_ node: Node, at position: Node? = nil) -> CommandSpec? {
        if let items = node.sequence {
            let argv = strings(node, "command")
            guard !argv.isEmpty, argv.count == items.count else {
                report(node, "a command needs at least the program's name")
                return nil
            }
            return .argv(argv)
        }
        if let pairs = node.mapping, pairs.count == 1, let key = pairs.first?.key.string, Schema.commandKeys.contains(key),
           let value = pairs.first?.value {
            if key == "shell" { return string(value, "shell").map(CommandSpec.shell) }
            return command(value)
        }
        report(position ?? node, "a command is a list of arguments, e.g. [virsh, domstate, web1], or {shell: \"...\"}; "
               + "names are never pasted into a shell line for you")
        return nil
    }

    /// A command, or a command mapping with `target:` beside argv or shell.
    func action(_ node: Node) -> StepAction? {
        guard let pairs = node.mapping, let targetPair = pairs.first(where: { $0.key.string == "target" }) else {
            return command(node).map { StepAction(command: $0, target: .host) }
        }
        let rest = Node(pairs.filter { $0.key.string != "target" }, node.tag, node.mapping?.style ?? .block)
        return command(rest, at: node).map { StepAction(command: $0, target: target(targetPair.value)) }
    }

    func matcher(_ node: Node, _ key: String) -> Matcher? {
        if let scalar = node.scalar { return .equals(scalar.string) }
        guard let pairs = node.mapping, !pairs.isEmpty else {
            report(node, "'\(key)' must be \(Schema.ValueType.matcher.label)")
            return nil
        }
        var parts: [Matcher] = []
        for (keyNode, value) in pairs {
            let name = keyNode.string ?? ""
            switch name {
            case "equals", "contains", "regex":
                guard let text = string(value, name) else { continue }
                // Parameters are filled in before matching; judge the pattern around them.
                let pattern = text.replacingOccurrences(of: #"\{\{[^}]*\}\}"#, with: "x", options: .regularExpression)
                if name == "regex", (try? NSRegularExpression(pattern: pattern)) == nil {
                    report(value, "'\(text)' is not a valid regular expression")
                    continue
                }
                parts.append(name == "equals" ? .equals(text) : name == "contains" ? .contains(text) : .regex(text))
            case "not":
                if let inner = matcher(value, "not") { parts.append(.not(inner)) }
            default:
                guard let comparison = Matcher.NumericComparison(rawValue: name) else {
                    let hint = Self.closest(to: name, in: Array(Schema.matcherKeys)).map { " (did you mean '\($0)'?)" } ?? ""
                    report(keyNode, "unknown matcher '\(name)'\(hint); use " + Schema.matcherKeys.sorted().joined(separator: ", "))
                    continue
                }
                guard let number = value.scalar.flatMap({ Double($0.string) }) else {
                    report(value, "'\(name)' compares numbers: give a number")
                    continue
                }
                parts.append(.number(comparison, number))
            }
        }
        return parts.count == 1 ? parts[0] : .all(parts)
    }

    func target(_ node: Node?) -> Target {
        guard let node, let text = string(node, "target") else { return .host }
        if text == "host" { return .host }
        if text.hasPrefix("vm:"), text.count > 3 {
            // The first '@' ends the name: what follows is a libvirt URI, which may hold one of its own (user@host).
            let named = text.dropFirst(3)
            guard let at = named.firstIndex(of: "@") else { return .vm(String(named)) }
            if named[..<at].isEmpty || named[named.index(after: at)...].isEmpty {
                report(node, "target vm:NAME@URI needs a name and a libvirt URI (got '\(text)')")
            }
            return .vm(String(named[..<at]), on: String(named[named.index(after: at)...]))
        }
        if text.hasPrefix("container:"), text.count > 10 { return .container(String(text.dropFirst(10))) }
        report(node, "target must be host, vm:NAME, vm:NAME@URI (a VM on another host) or container:NAME (got '\(text)')")
        return .host
    }

    func parameters(_ node: Node?) -> [String: String] {
        guard let node else { return [:] }
        guard let pairs = node.mapping else {
            report(node, "'parameters' must be a mapping of names to templates")
            return [:]
        }
        var result: [String: String] = [:]
        for (key, value) in pairs {
            guard let name = key.string, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                report(key, "a parameter name uses letters, digits and _ only")
                continue
            }
            if let template = string(value, name) { result[name] = template }
        }
        return result
    }

    /// The known word nearest to a misspelt one, if it is close enough to be a likely typo.
    static func closest(to word: String, in candidates: [String]) -> String? {
        func distance(_ a: [Character], _ b: [Character]) -> Int {
            var row = Array(0...b.count)
            for (i, ca) in a.enumerated() {
                var previous = row[0]
                row[0] = i + 1
                for (j, cb) in b.enumerated() {
                    let current = row[j + 1]
                    row[j + 1] = min(row[j + 1] + 1, row[j] + 1, previous + (ca == cb ? 0 : 1))
                    previous = current
                }
            }
            return row[b.count]
        }
        let scored = candidates.map { ($0, distance(Array(word), Array($0))) }.min { $0.1 < $1.1 }
        // One edit for short words, two (e.g. swapped letters) from four letters on.
        return scored.flatMap { $0.1 <= (word.count >= 4 ? 2 : 1) ? $0.0 : nil }
    }
}
