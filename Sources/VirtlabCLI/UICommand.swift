import App
import Runtime
import ArgumentParser
import Logging
import Foundation
import TermCurses
import TermUI
import VirtKit

/// `virtlab` / `virtlab ui`: the full-screen dashboard.
struct UICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ui", abstract: "Open the full-screen dashboard (the default command).")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var library: ImageCommand.LibraryOptions
    @Option(help: "Seconds between refreshes (0.5 to 60).") var delay: Double = 2
    @Option(help: "Theme name (see 'virtlab theme list') or path to a .theme file.") var theme: String?

    func validate() throws {
        guard AppState.refreshBounds.contains(delay) else {
            throw ValidationError("--delay must be between 0.5 and 60 seconds (got \(delay))")
        }
    }

    func run() throws {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw UserFacingError("the dashboard needs a terminal; for scripts use 'virtlab ls' (see 'virtlab --help')")
        }
        let choice = ConnectionChoice.resolve(flag: connection.uri)
        let catalog = ThemeCatalog()
        let logFile = LogFile()
        let log = logFile.logger(label: "virtlab.dashboard")
        log.info("starting on \(choice.uri) (\(choice.source.rawValue))")
        let terminal = CursesTerminal(colors: !catalog.noColor)
        let (initialTheme, themeError) = catalog.initial(flag: theme, colors: terminal.colorCount)
        var state = AppState(uri: choice.uri, isDemo: choice.isDemo, readOnly: connection.readOnly,
                             refreshInterval: delay, themeName: initialTheme.name)
        state.defaultSSHKey = ["id_ed25519.pub", "id_ecdsa.pub", "id_rsa.pub"]
            .map { NSHomeDirectory() + "/.ssh/" + $0 }.first { FileManager.default.fileExists(atPath: $0) } ?? ""
        _ = update(&state, .tick(now: DashboardRuntime.monotonicNow()))  // messages expire relative to this clock
        if let themeError {
            log.warning("theme refused: \(themeError)")
            _ = update(&state, .themeFailed("theme refused, using default: \(themeError)"))
        }
        let runtime = DashboardRuntime(
            state: state, theme: initialTheme, glyphs: Glyphs.detect(environment: ProcessInfo.processInfo.environment),
            terminal: CursesTerminalPort(terminal: terminal, themes: catalog),
            machines: LibvirtMachines(uri: choice.uri, readOnly: connection.readOnly, library: library.library),
            containers: EngineContainers(),
            labs: GraderLabs(uri: choice.uri, student: ProcessInfo.processInfo.environment["USER"] ?? "student"),
            logger: log)
        let restoreStandardError = logFile.captureStandardError()
        runtime.run()
        restoreStandardError()
        log.info("quit")
    }
}

/// `virtlab theme list`: the themes virtlab can find, and whether each one loads.
struct ThemeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "theme", abstract: "Dashboard themes.",
                                                    subcommands: [List.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the themes found.")

        func run() throws {
            let catalog = ThemeCatalog()
            let found = ThemeFile.available(in: catalog.directories)
            guard !found.isEmpty else {
                throw UserFacingError("no themes found (looked in \(catalog.directories.joined(separator: ", ")))")
            }
            for (name, path) in found {
                do {
                    _ = try ThemeFile.load(path, directories: [])
                    print("\(name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(path)")
                } catch {
                    print("\(name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(path)  REFUSED: \(error)")
                }
            }
        }
    }
}
