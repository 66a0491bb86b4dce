import Foundation

/// A small JSONPath: `$`, `.key`, `['key']` and `[index]`.
enum JSONPath {
    static func value(at path: String, in json: Any) -> String? {
        var current: Any? = json
        var rest = Substring(path)
        if rest.hasPrefix("$") { rest = rest.dropFirst() }
        while !rest.isEmpty, let node = current {
            if rest.hasPrefix(".") {
                rest = rest.dropFirst()
                let key = rest.prefix { $0 != "." && $0 != "[" }
                rest = rest.dropFirst(key.count)
                current = (node as? [String: Any])?[String(key)]
            } else if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
                let inside = rest[rest.index(after: rest.startIndex)..<close].trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
                rest = rest[rest.index(after: close)...]
                if let index = Int(inside) { current = (node as? [Any]).flatMap { index < $0.count ? $0[index] : nil } }
                else { current = (node as? [String: Any])?[inside] }
            } else {
                return nil
            }
        }
        switch current {
        case nil, is NSNull: return nil
        case let text as String: return text
        case let number as NSNumber: return number.stringValue
        case let other?:
            return (try? JSONSerialization.data(withJSONObject: other, options: [.sortedKeys]))
                .map { String(decoding: $0, as: UTF8.self) }
        }
    }
}
