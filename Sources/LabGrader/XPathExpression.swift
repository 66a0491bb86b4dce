import CLibxml2
import Foundation

/// What an XPath expression evaluates to: the nodes' string values, or a boolean, number or string
/// (`count(…)`, `boolean(…)`, `string(…)`), so "this element is absent" is expressible.
enum XPathValue: Equatable {
    case nodes([String])
    case boolean(Bool)
    case number(Double)
    case string(String)

    /// As a matcher reads it: nodes joined by commas, booleans as true/false, whole numbers without a point.
    var text: String {
        switch self {
        case .nodes(let values): values.joined(separator: ",")
        case .boolean(let value): value ? "true" : "false"
        case .number(let value): value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
        case .string(let value): value
        }
    }
}

enum XPathFailure: Error, Equatable {
    case notXML
    case badExpression
}

/// libxml2's XPath 1.0 engine (Foundation's evaluates node paths only).
enum XPathExpression {
    static func evaluate(_ expression: String, in xml: String) -> Result<XPathValue, XPathFailure> {
        xmlInitParser()
        // libxml2 prints its errors on stderr by default; here each is the verdict instead.
        xmlSetStructuredErrorFunc(nil) { _, _ in }
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
        let bytes = Array(xml.utf8)
        guard !bytes.isEmpty, let document = bytes.withUnsafeBufferPointer({ buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                xmlReadMemory($0, Int32(buffer.count), "check.xml", nil, options)
            }
        }) else { return .failure(.notXML) }
        defer { xmlFreeDoc(document) }
        guard let context = xmlXPathNewContext(document) else { return .failure(.badExpression) }
        defer { xmlXPathFreeContext(context) }
        let evaluated = Array(expression.utf8CString).withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: xmlChar.self, capacity: buffer.count) {
                xmlXPathEvalExpression($0, context)
            }
        }
        guard let result = evaluated else { return .failure(.badExpression) }
        defer { xmlXPathFreeObject(result) }
        switch result.pointee.type {
        case XPATH_NODESET:
            guard let set = result.pointee.nodesetval else { return .success(.nodes([])) }
            return .success(.nodes((0..<Int(set.pointee.nodeNr)).compactMap { index in
                guard let node = set.pointee.nodeTab?[index], let content = xmlNodeGetContent(node) else { return nil }
                defer { free(content) }  // xmlFree is free() unless a program swaps the allocator; virtlab does not
                return String(cString: content)
            }))
        case XPATH_BOOLEAN: return .success(.boolean(result.pointee.boolval != 0))
        case XPATH_NUMBER: return .success(.number(result.pointee.floatval))
        case XPATH_STRING: return .success(.string(result.pointee.stringval.map { String(cString: $0) } ?? ""))
        default: return .failure(.badExpression)
        }
    }
}
