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
    /// Its name and help line are the rule's (`commandLine`), which every action given a subcommand has.
    static func action<Action: TableAction>(_ action: Action.Type, subject: String = "") -> CommandConfiguration {
        let rule = Action.rule
        guard let help = rule.commandLine else { preconditionFailure("'\(rule.verb)' has no subcommand in the action table") }
        let allowed = rule.allowedFrom.map { allowed in Action.State.allCases.filter(allowed.contains).map(\.label) } ?? []
        let parts = [help.discussion, "Same as: \(rule.command.generic).", subject.isEmpty || allowed.isEmpty ? ""
                        : "Applies to \(subject) that is " + allowed.joined(separator: ", ") + "."]
        return CommandConfiguration(commandName: help.name, abstract: help.abstract,
                                    discussion: parts.filter { !$0.isEmpty }.joined(separator: " "))
    }
}
