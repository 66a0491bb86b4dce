import Services
import Runtime
import TermCurses
import TermUI

/// The terminal port on ncurses, with the theme catalog the `T` key walks.
final class CursesTerminalPort: TerminalPort {
    let terminal: CursesTerminal
    private let themes: ThemeCatalog
    private let waker = Waker()

    init(terminal: CursesTerminal, themes: ThemeCatalog) {
        self.terminal = terminal
        self.themes = themes
    }

    var size: Size { terminal.size }
    func draw(_ buffer: Buffer) { terminal.draw(buffer) }
    func read(timeoutMilliseconds: Int32) -> TerminalInput? { terminal.read(timeoutMilliseconds: timeoutMilliseconds, waker: waker) }
    var wakeUp: @Sendable () -> Void { { [waker] in waker.poke() } }
    func suspended<T>(_ body: () -> T) -> T { terminal.suspended(body) }
    var interrupted: Bool { TerminalGuard.pendingSignal != 0 }
    func shutdown() { terminal.shutdown() }

    func nextTheme(after current: Theme) throws -> Theme {
        let names = themes.names
        guard !names.isEmpty else { throw PortError("no theme files found") }
        let next = names[((names.firstIndex(of: current.name) ?? -1) + 1) % names.count]
        return try themes.load(next, colors: terminal.colorCount)
    }
}
