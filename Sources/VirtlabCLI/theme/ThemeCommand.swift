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
            for (name, origin) in catalog.available {
                do {
                    _ = try ThemeCatalog.read(name, directories: catalog.directories)
                    print("\(name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(origin)")
                } catch {
                    print("\(name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(origin)  REFUSED: \(error)")
                }
            }
        }
    }
}
