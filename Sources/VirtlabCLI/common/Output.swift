import Services
import ArgumentParser
import Inventory
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

extension CommandConfiguration {
    /// A subcommand for one entry of the action table: its help ends with the command that does the same
    /// (`Same as: virsh start NAME.`), then the states it applies to where the table limits them.
    static func action<State: CaseIterable>(_ name: String, _ rule: ActionRule<State>, _ abstract: String,
                                            _ discussion: String = "", subject: String = "") -> CommandConfiguration {
        let allowed = rule.allowedFrom.map { allowed in State.allCases.filter(allowed.contains).map(\.label) } ?? []
        let parts = [discussion, "Same as: \(rule.command.generic).", subject.isEmpty || allowed.isEmpty ? ""
                        : "Applies to \(subject) that is " + allowed.joined(separator: ", ") + "."]
        return CommandConfiguration(commandName: name, abstract: abstract,
                                    discussion: parts.filter { !$0.isEmpty }.joined(separator: " "))
    }
}
