import App
import Classroom
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
        commandName: "ui", abstract: "Open the full-screen dashboard (the default command).",
        discussion: """
            Several hosts at once: repeat --uri (e.g. --uri qemu:///system --uri qemu+ssh://lab2/system), or \
            give --class DIR to watch every student host of a class (qemu+ssh to each roster host, through the \
            class's ssh config) with its Class pane (6). Each host is a connection of its own: one that is slow \
            or lost never holds up the others. Networks and images are the first connection's.
            """)

    @Option(name: .customLong("uri"), help: ArgumentHelp(
        "libvirt URI, e.g. qemu:///system, test:///default, qemu+ssh://host/system (repeatable).", valueName: "uri"))
    var uris: [String] = []
    @Flag(name: .long, help: "Open the connections read-only; actions that change anything are refused.")
    var readOnly = false
    @Option(name: .customLong("class"), help: ArgumentHelp("A class directory: its hosts' VMs and its Class pane.",
                                                           valueName: "dir"))
    var classDirectory: String?
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
        let choice = ConnectionChoice.resolve(flag: uris.first)
        let classroom = classDirectory.map { ClassDirectory(path: $0) }
        // A class that does not read is said before the screen is taken.
        let classHosts: [String] = try classroom.map { directory in
            _ = try directory.config()
            return try GradebookClass.connections(directory)
        } ?? []
        let others: [String] = Array(uris.dropFirst()) + classHosts
        let catalog = ThemeCatalog()
        let logFile = LogFile()
        let log = logFile.logger(label: "virtlab.dashboard")
        log.info("starting on \(choice.uri) (\(choice.source.rawValue))")
        let terminal = CursesTerminal(colors: !catalog.noColor)
        let (initialTheme, themeError) = catalog.initial(flag: theme, colors: terminal.colorCount)
        var state = AppState(uri: choice.uri, isDemo: choice.isDemo, readOnly: readOnly,
                             refreshInterval: delay, themeName: initialTheme.name, moreConnections: others)
        if classroom != nil { state.focus = Pane.classroom }
        state.defaultSSHKey = ["id_ed25519.pub", "id_ecdsa.pub", "id_rsa.pub"]
            .map { NSHomeDirectory() + "/.ssh/" + $0 }.first { FileManager.default.fileExists(atPath: $0) } ?? ""
        _ = update(&state, .tick(now: SystemClock().now))  // messages expire relative to this clock
        if let themeError {
            log.warning("theme refused: \(themeError)")
            _ = update(&state, .themeFailed("theme refused, using default: \(themeError)"))
        }
        let runtime = DashboardRuntime(
            state: state, theme: initialTheme, glyphs: Glyphs.detect(environment: ProcessInfo.processInfo.environment),
            terminal: CursesTerminalPort(terminal: terminal, themes: catalog),
            machines: LibvirtMachines(uri: choice.uri, readOnly: readOnly, library: library.library),
            hosts: Dictionary(state.connections.dropFirst().map {
                ($0, LibvirtMachines(uri: $0, readOnly: readOnly, library: library.library) as MachinePort)
            }, uniquingKeysWith: { a, _ in a }),
            containers: EngineContainers(),
            labs: GraderLabs(uri: choice.uri, student: ProcessInfo.processInfo.environment["USER"] ?? "student"),
            classroom: classroom.map { GradebookClass(directory: $0) },
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
