import Foundation

/// Text that another machine chose (a student host's report, a bundle, an ssh error line) is data: before it
/// reaches a teacher's terminal, file or screen, control characters go, so no escape sequence it carries can
/// retitle a window, clear a screen or hide a line. Newlines and tabs stay (evidence has lines).
extension String {
    public var withoutControlCharacters: String {
        guard unicodeScalars.contains(where: Self.isControl) else { return self }
        return String(String.UnicodeScalarView(unicodeScalars.filter { !Self.isControl($0) }))
    }

    /// C0 (but newline and tab), DEL and C1: what a terminal reads as commands.
    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x0A, 0x09: false
        case 0x00...0x1F, 0x7F...0x9F: true
        default: false
        }
    }
}

extension KeyedDecodingContainer {
    /// A string field of foreign JSON, without control characters.
    func decodeText(_ key: Key) throws -> String { try decode(String.self, forKey: key).withoutControlCharacters }
    func decodeTextIfPresent(_ key: Key) throws -> String? { try decodeIfPresent(String.self, forKey: key)?.withoutControlCharacters }
}
