import Foundation
import LabFormat
#if canImport(FoundationXML)
import FoundationXML
#endif

struct XPathPrimitive: CheckPrimitive {
    static let format = PrimitiveFormat(
        "xpath",
        summary: "A value in XML: a command's output, or a libvirt domain's definition.",
        followsTarget: true,
        fields: [
            "run": Schema.Field(.command, "a command printing XML"),
            "domain": Schema.Field(.string, "or: the XML of this libvirt domain"),
            "path": Schema.Field(.string, required: true, "e.g. /domain/devices/interface/model/@type"),
            "value": Schema.Field(.matcher, required: true, "what the value must match"),
        ],
        validate: { ($0["run"] == nil) == ($0["domain"] == nil) ? "'xpath' needs exactly one of run or domain" : nil })

    static func evaluate(_ fields: [String: FieldValue], on target: Target, timeout: Double,
                         with evaluator: Evaluator) async -> Verdict {
        guard case .string(let path)? = fields["path"], case .matcher(let matcher)? = fields["value"] else {
            return .failure("xpath needs path and value")
        }
        var xml = "", source = ""
        if case .string(let name)? = fields["domain"] {
            let context = evaluator.context
            // libvirt blocks: on a thread of its own.
            let read = await OwnThread.run { Result { try context.libvirt().domain(named: name).xml() } }
            do { xml = try read.get() } catch {
                return .failure("cannot read the XML of domain '\(name)': \(error)")
            }
            source = "domain \(name)"
        } else if case .command(let spec)? = fields["run"] {
            switch await evaluator.run(spec, target, timeout) {
            case .success(let (outcome, described)): (xml, source) = (outcome.stdout, described)
            case .failure(let verdict): return verdict
            }
        }
        guard let document = try? XMLDocument(xmlString: xml, options: []),
              let nodes = try? document.nodes(forXPath: path) else {
            return Verdict(passed: false, expected: "XML with \(path)", got: "not XML, or a bad XPath", command: source)
        }
        let values = nodes.compactMap(\.stringValue)
        let joined = values.joined(separator: ",")
        return Verdict(passed: !values.isEmpty && matcher.matches(joined), expected: "\(path) \(matcher.summary)",
                       got: values.isEmpty ? "\(path) matched nothing" : "\(path) = \(joined)", command: source)
    }
}
