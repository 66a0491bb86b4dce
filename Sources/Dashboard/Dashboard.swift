import App
import Classroom
import Foundation
import ImageKit
import Logging
import Runtime
import Services
import TermCurses
import TermUI
import VirtKit

/// The full-screen dashboard put together: App's state, the runtime, and an adapter for each port (libvirt per
/// connection, the container engine, the grader, a class's gradebook, curses).
public enum Dashboard {
    public struct Options: Sendable {
        public var uris: [String]
        public var readOnly: Bool
        public var classDirectory: String?
        public var library: ImageLibrary
        public var delay: Double?
        public var theme: String?
        /// Under the options: the hosts, refresh, theme and read-only the settings files give.
        public var settings: Settings

        public init(uris: [String], readOnly: Bool, classDirectory: String?, library: ImageLibrary, delay: Double?,
                    theme: String?, settings: Settings = .current) {
            (self.uris, self.readOnly, self.classDirectory, self.library) = (uris, readOnly, classDirectory, library)
            (self.delay, self.theme, self.settings) = (delay, theme, settings)
        }
    }

    /// How often the screen may be refreshed, in seconds.
    public static let refreshBounds = AppState.refreshBounds

    /// Takes the terminal until the user quits. A class that does not read is said before the screen is taken.
    public static func run(_ options: Options) async throws {
        guard isatty(STDIN_FILENO) == 1, isatty(STDOUT_FILENO) == 1 else {
            throw UserFacingError("the dashboard needs a terminal; for scripts use 'virtlab ls' (see 'virtlab --help')")
        }
        let settings = options.settings
        let environment = ProcessInfo.processInfo.environment
        // The settings' hosts only when neither --uri nor LIBVIRT_DEFAULT_URI names one.
        let settingsHosts = (options.uris.isEmpty && (environment["LIBVIRT_DEFAULT_URI"] ?? "").isEmpty)
            ? settings.connections.value : []
        let uris = options.uris.isEmpty ? settingsHosts : options.uris
        let readOnly = options.readOnly || settings.readOnly.value
        let choice = ConnectionChoice.resolve(flag: uris.first)
        let classroom = options.classDirectory.map {
            ClassService(directory: ClassDirectory(path: $0, defaults: settings.classDefaults))
        }
        let classHosts: [String] = try classroom.map { service in
            _ = try service.directory.config()
            return try service.hostConnections()
        } ?? []
        let others: [String] = Array(uris.dropFirst()) + classHosts
        let catalog = ThemeCatalog()
        let logFile = LogFile()
        let log = logFile.logger(label: "virtlab.dashboard")
        log.info("starting on \(choice.uri) (\(choice.source.rawValue))")
        let terminal = CursesTerminal(colors: !catalog.noColor)
        let themeFlag = options.theme ?? ((environment["VIRTLAB_THEME"] ?? "").isEmpty ? settings.theme.value : nil)
        let (initialTheme, themeError) = catalog.initial(flag: themeFlag, colors: terminal.colorCount)
        var state = AppState(uri: choice.uri, isDemo: choice.isDemo, readOnly: readOnly,
                             refreshInterval: options.delay ?? settings.refresh.value, themeName: initialTheme.name,
                             moreConnections: others)
        if classroom != nil { state.focus = Pane.classroom }
        state.defaultSSHKey = PublicKeyFile.usersDefault ?? ""
        state.homeDirectory = NSHomeDirectory()
        state.graphics = TerminalGraphics.detect(environment)
        // Messages expire relative to this clock. Not a tick: the runtime's first one asks for what is due.
        state.now = SystemClock().now
        if let themeError { log.warning("theme refused: \(themeError)") }
        let machines = { (uri: String) in
            LibvirtMachines(uri: uri, readOnly: readOnly, library: options.library) as MachinePort
        }
        let runtime = DashboardRuntime(
            state: state, theme: initialTheme, glyphs: Glyphs.detect(environment: ProcessInfo.processInfo.environment),
            terminal: CursesTerminalPort(terminal: terminal, themes: catalog),
            machines: machines(choice.uri),
            hosts: Dictionary(state.connections.dropFirst().map { ($0, machines($0)) }, uniquingKeysWith: { a, _ in a }),
            containers: EngineContainers(),
            labs: GraderLabs(uri: choice.uri, student: ProcessInfo.processInfo.environment["USER"] ?? "student"),
            classroom: classroom.map { GradebookClass(service: $0) },
            startup: settings.problems.map { Message.setupRefused("settings: \($0)") }
                + (themeError.map { [.setupRefused("theme refused, using default: \($0)")] } ?? []),
            logger: log)
        let restoreStandardError = logFile.captureStandardError()
        await runtime.run()
        restoreStandardError()
        log.info("quit")
    }
}
