import Foundation

enum Output {
    static func json<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    static func note(_ text: String) { FileHandle.standardError.write(Data("note: \(text)\n".utf8)) }

    static func error(_ line: String) { FileHandle.standardError.write(Data("virtlab: \(line)\n".utf8)) }
}
