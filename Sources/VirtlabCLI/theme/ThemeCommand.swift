import Services
import ArgumentParser
import Dashboard
import Foundation
import TermUI

/// `virtlab theme list`: the themes virtlab can find, and whether each one loads.
struct ThemeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "theme", abstract: "Dashboard themes.",
                                                    subcommands: [List.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the themes found.")

        func run() async throws {
            let catalog = ThemeCatalog()
            let found = catalog.available
            guard !found.isEmpty else {
                throw UserFacingError("no themes found (looked in \(catalog.directories.joined(separator: ", ")))")
            }
            for (name, path) in found {
                do {
                    _ = try ThemeCatalog.read(path, directories: [])
                    print("\(name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(path)")
                } catch {
                    print("\(name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(path)  REFUSED: \(error)")
                }
            }
        }
    }
}
