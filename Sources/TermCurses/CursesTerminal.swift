import CNcurses
import CShims
import Foundation
import Pictures
import Synchronization
import TermUI

/// The ncurses backend: owns the terminal while the app runs, draws only the cells that changed since the
/// last frame, turns ncurses key codes into `Key`s, and always gives the terminal back as it found it.
public final class CursesTerminal {
    private var lastFrame: Buffer?
    /// The pictures the terminal was last told to draw (kitty graphics), so each is sent once and taken off after.
    private var shownPictures: [PlacedPicture] = []
    private var pairs: [ColorPair: Int16] = [:]
    private var nextPair: Int16 = 1
    private var active = false
    public private(set) var colorCount: Int = 0

    private struct ColorPair: Hashable {
        let foreground: Color
        let background: Color
    }

    /// Takes over the terminal. `colors: false` (NO_COLOR, mono theme) never starts colour.
    public init(colors: Bool, inputTimeoutMilliseconds: Int32 = 100) {
        setlocale(LC_ALL, "")
        initscr()
        raw()
        noecho()
        nonl()
        keypad(vl_stdscr(), true)
        set_escdelay(25)
        // No typeahead check while drawing: ncurses otherwise flushes and polls the keyboard before every changed
        // line (a write and a poll each), which made one refresh two dozen writes; keys wait in the loop's poll.
        typeahead(-1)
        curs_set(0)
        wtimeout(vl_stdscr(), inputTimeoutMilliseconds)
        if colors && has_colors() {
            start_color()
            use_default_colors()
            colorCount = Int(vl_colors())
        }
        // ncurses 6.4 flushes its output at every cursor movement until the screen has once left and resumed
        // curses mode (its "initial" state, for terminfo-only programs): a frame was a write per changed line.
        // One endwin and refresh now makes a frame one write.
        endwin()
        wrefresh(vl_stdscr())
        active = true
        TerminalGuard.install()
    }

    deinit { shutdown() }

    public var size: Size {
        var rows: Int32 = 0, cols: Int32 = 0
        vl_getmaxyx(vl_stdscr(), &rows, &cols)
        return Size(width: Int(cols), height: Int(rows))
    }

    /// Gives the terminal back (idempotent): called on quit, on signals and on errors.
    public func shutdown() {
        guard active else { return }
        active = false
        showPictures([])
        endwin()
    }

    /// Draws `buffer`, sending only what differs from the previous frame.
    public func draw(_ buffer: Buffer) {
        let window = vl_stdscr()
        for change in buffer.changes(from: lastFrame) {
            var x = change.x
            var run = ""
            var runStyle: Style?
            var runStart = x
            func flush() {
                guard let style = runStyle, !run.isEmpty else { return }
                apply(style, window)
                mvwaddstr(window, Int32(change.y), Int32(runStart), run)
            }
            for cell in change.cells {
                defer { x += 1 }
                if cell == .continuation { continue }
                if cell.style != runStyle {
                    flush()
                    run = ""
                    runStyle = cell.style
                    runStart = x
                }
                run += cell.text
            }
            flush()
        }
        lastFrame = buffer
        wrefresh(window)
        showPictures(buffer.pictures)
    }

    /// Pictures go to the terminal after curses has written the cells beneath them, straight to its output: curses
    /// knows nothing of them. The cursor is kept where curses left it.
    private func showPictures(_ pictures: [PlacedPicture]) {
        guard pictures != shownPictures else { return }
        var out = shownPictures.indices.map { KittyGraphics.delete(id: UInt32($0 + 1)) }.joined()
        for (index, placed) in pictures.enumerated() {
            out += "\u{1B}7\u{1B}[\(placed.rect.y + 1);\(placed.rect.x + 1)H"
                + KittyGraphics.show(png: [UInt8](PNG.encode(placed.picture)), id: UInt32(index + 1),
                                     columns: placed.rect.width, rows: placed.rect.height)
                + "\u{1B}8"
        }
        shownPictures = pictures
        FileHandle.standardOutput.write(Data(out.utf8))
    }

    /// Forgets the last frame, so the next draw repaints everything (after the console or a resize).
    public func invalidate() {
        lastFrame = nil
        showPictures([])
        clearok(vl_stdscr(), true)
    }

    private func apply(_ style: Style, _ window: UnsafeMutablePointer<WINDOW>?) {
        var attributes = vl_attr_normal()
        if style.attributes.contains(.bold) { attributes |= vl_attr_bold() }
        if style.attributes.contains(.dim) { attributes |= vl_attr_dim() }
        if style.attributes.contains(.underline) { attributes |= vl_attr_underline() }
        if style.attributes.contains(.reverse) { attributes |= vl_attr_reverse() }
        if style.attributes.contains(.italic) { attributes |= vl_attr_italic() }
        vl_set_style(window, attributes, Int32(pair(for: style)))
    }

    private func pair(for style: Style) -> Int16 {
        guard colorCount > 0, style.foreground != .default || style.background != .default else { return 0 }
        let key = ColorPair(foreground: style.foreground, background: style.background)
        if let existing = pairs[key] { return existing }
        guard Int32(nextPair) < vl_color_pairs() else { return 0 }
        let number = nextPair
        nextPair += 1
        init_pair(number, colorNumber(style.foreground), colorNumber(style.background))
        pairs[key] = number
        return number
    }

    private func colorNumber(_ color: Color) -> Int16 {
        switch color.reduced(toColors: colorCount) {
        case .default: -1
        case .ansi(let n): Int16(n)
        case .indexed(let n): Int16(n)
        }
    }

    /// Waits up to `timeoutMilliseconds` for a key, a resize, or a poke of `waker`; nil when nothing came
    /// from the keyboard. Sleeping in poll() rather than a short input timeout keeps an idle dashboard idle,
    /// and lets results from other threads show at once.
    public func read(timeoutMilliseconds: Int32, waker: Waker) -> TerminalInput? {
        if let pending = readNow() { return pending }  // ncurses may hold bytes poll() cannot see
        var fds = [pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
                   pollfd(fd: waker.readEnd, events: Int16(POLLIN), revents: 0)]
        _ = poll(&fds, 2, timeoutMilliseconds)
        if fds[1].revents != 0 { waker.drain() }
        // A resize interrupts poll(); ncurses reports it on the next read, at the top of the next call.
        return fds[0].revents != 0 ? readNow() : nil
    }

    /// The next key or resize already available, without waiting.
    private func readNow() -> TerminalInput? {
        wtimeout(vl_stdscr(), 0)
        defer { wtimeout(vl_stdscr(), 100) }
        return read()
    }

    /// The next key or resize, or nil when the input timeout passes with nothing.
    public func read() -> TerminalInput? {
        var character: wint_t = 0
        let status = wget_wch(vl_stdscr(), &character)
        if status == ERR { return nil }
        if status == KEY_CODE_YES {
            if Int32(character) == KEY_RESIZE {
                invalidate()
                return .resize(size)
            }
            return Self.functionKey(Int32(character)).map(TerminalInput.key)
        }
        return Self.characterKey(UInt32(character)).map(TerminalInput.key)
    }

    static func functionKey(_ code: Int32) -> Key? {
        switch code {
        case KEY_UP: .up
        case KEY_DOWN: .down
        case KEY_LEFT: .left
        case KEY_RIGHT: .right
        case KEY_PPAGE: .pageUp
        case KEY_NPAGE: .pageDown
        case KEY_HOME: .home
        case KEY_END: .end
        case KEY_ENTER: .enter
        case KEY_BACKSPACE: .backspace
        case KEY_DC: .delete
        case KEY_BTAB: .backTab
        case KEY_F0 + 1...KEY_F0 + 24: .function(Int(code - KEY_F0))
        default: nil
        }
    }

    static func characterKey(_ value: UInt32) -> Key? {
        switch value {
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        case 1...26: return .control(Character(UnicodeScalar(value + 96)!))
        case 0, 28...31: return nil
        default: return UnicodeScalar(value).map { .character(Character($0)) }
        }
    }

    /// Steps aside (the shell's terminal modes come back) for `body`, then takes the screen again and
    /// repaints it whole.
    public func suspended<T>(_ body: () throws -> T) rethrows -> T {
        def_prog_mode()
        endwin()
        defer {
            reset_prog_mode()
            invalidate()
            wrefresh(vl_stdscr())
        }
        return try body()
    }
}

/// Termination signals end the app through its normal path, so the terminal is always restored.
public enum TerminalGuard {
    private static let received = Atomic<Int32>(0)

    /// The signal that asked the app to stop (SIGTERM, SIGHUP, SIGINT), or 0.
    public static var pendingSignal: Int32 { received.load(ordering: .relaxed) }

    static func install() {
        for sig in [SIGTERM, SIGHUP, SIGINT] {
            signal(sig) { number in TerminalGuard.received.store(number, ordering: .relaxed) }
        }
        // A parent may start us with signals blocked (threaded launchers do); then a resize or a kill would never
        // arrive. Unblock the ones the dashboard depends on.
        var wanted = sigset_t()
        sigemptyset(&wanted)
        for sig in [SIGTERM, SIGHUP, SIGINT, SIGWINCH] { sigaddset(&wanted, sig) }
        pthread_sigmask(SIG_UNBLOCK, &wanted, nil)
    }
}

/// Raw mode for a console session: every byte goes to the guest, nothing is echoed or interpreted.
public enum RawMode {
    public static func run<T>(fd: Int32 = STDIN_FILENO, _ body: () throws -> T) rethrows -> T {
        var saved = [UInt8](repeating: 0, count: Int(vl_termios_size()))
        let isRaw = vl_tty_raw(fd, &saved, Int32(saved.count)) == 0
        defer { if isRaw { _ = vl_tty_restore(fd, saved, Int32(saved.count)) } }
        return try body()
    }
}

/// A self-pipe: any thread pokes it, and a main loop asleep in poll() wakes up.
public final class Waker: @unchecked Sendable {
    let readEnd: Int32
    private let writeEnd: Int32

    public init() {
        var ends: [Int32] = [0, 0]
        pipe(&ends)
        for fd in ends {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)  // a program the dashboard starts must not inherit it
        }
        readEnd = ends[0]
        writeEnd = ends[1]
    }

    deinit {
        close(readEnd)
        close(writeEnd)
    }

    public func poke() {
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)  // a full pipe already means "wake up": ignore EAGAIN
    }

    func drain() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while Foundation.read(readEnd, &buffer, buffer.count) > 0 {}
    }
}
