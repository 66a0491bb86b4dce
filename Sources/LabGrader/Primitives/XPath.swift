import BlockingWork
import ProcessRunner
import Foundation
import LabFormat

struct XPathPrimitive: CheckPrimitive {
    static let format = PrimitiveFormat(
        "xpath",
        summary: "A value in XML: a command's output, or a libvirt domain's or network's definition.",
        followsTarget: true,
        fields: [
            "run": Schema.Field(.command, "a command printing XML"),
            "domain": Schema.Field(.string, "or: the XML of this libvirt domain"),
            "network": Schema.Field(.string, "or: the XML of this libvirt network"),
            "path": Schema.Field(.string, required: true, "an XPath 1.0 expression: a path such as "
                                 + "/domain/devices/interface/model/@type, or count(...), boolean(...), string(...)"),
            "value": Schema.Field(.matcher, required: true, "what the value must match"),
        ],
        validate: { fields in
            ["run", "domain", "network"].filter { fields[$0] != nil }.count == 1
                ? nil : "'xpath' needs exactly one of run, domain or network"
        })

    static func evaluate(_ fields: [String: FieldValue], on target: Target, timeout: Double,
                         with evaluator: Evaluator) async -> Verdict {
        guard case .string(let path)? = fields["path"], case .matcher(let matcher)? = fields["value"] else {
            return .failure("xpath needs path and value")
        }
        var xml = "", source = ""
        if case .string(let name)? = fields["domain"] ?? fields["network"] {
            let context = evaluator.context
            let kind = fields["domain"] != nil ? "domain" : "network"
            // libvirt blocks: on the blocking pool.
            let read = await BlockingPool.run {
                Result { kind == "domain" ? try context.libvirt().domain(named: name).xml()
                                          : try context.libvirt().networkXML(name) }
            }
            do { xml = try read.get() } catch {
                return .failure("cannot read the XML of \(kind) '\(name)': \(error)")
            }
            source = "\(kind) \(name)"
        } else if case .command(let spec)? = fields["run"] {
            switch await evaluator.run(spec, target, timeout) {
            case .success(let (outcome, described)): (xml, source) = (outcome.stdout, described)
            case .failure(let verdict): return verdict
            }
        }
        let value: XPathValue
        switch XPathExpression.evaluate(path, in: xml) {
        case .success(let result): value = result
        case .failure(.notXML):
            return Verdict(passed: false, expected: "XML with \(path)", got: "not XML", command: source)
        case .failure(.badExpression):
            return Verdict(passed: false, command: source, error: "'\(path)' is not an XPath 1.0 expression")
        }
        if case .nodes(let values) = value, values.isEmpty {
            return Verdict(passed: false, expected: "\(path) \(matcher.summary)", got: "\(path) matched nothing",
                           command: source)
        }
        return Verdict(passed: matcher.matches(value.text), expected: "\(path) \(matcher.summary)",
                       got: "\(path) = \(value.text)", command: source)
    }
}
