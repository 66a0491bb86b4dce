import TermUI

/// `v`: the VM's display as a picture (`virDomainScreenshot`), asked for again about once a second while open, with
/// what is typed sent to the guest's keyboard (`virDomainSendKey`). Esc closes it; F11 sends Esc to the guest and
/// F12 Ctrl-Alt-Del. Colour half-blocks, or a ramp of characters where the terminal has no colour (NO_COLOR, mono).
public struct ScreenDialog: Dialog, Equatable {
    public let machine: MachineRef
    public var picture: Picture?
    /// Why the last picture could not be had (a VM without a display, one that stopped).
    public var problem: String?
    /// When the last picture was asked for (the state's clock), and whether it is still awaited.
    var requestedAt: Double = -.infinity
    var awaiting = false

    /// How often a new picture is asked for; an answer not come after `patience` is asked for again.
    static let interval = 1.0
    static let patience = 10.0

    public init(machine: MachineRef) { self.machine = machine }

    /// Opens it and asks for the first picture at once.
    static func open(_ state: inout AppState, _ machine: MachineRef) -> [Effect] {
        var dialog = ScreenDialog(machine: machine)
        let effects = dialog.ask(now: state.now)
        state.modal = dialog
        return effects
    }

    /// The next picture, when it is time for one.
    mutating func ask(now: Double) -> [Effect] {
        guard now - requestedAt >= (awaiting ? Self.patience : Self.interval) else { return [] }
        (requestedAt, awaiting) = (now, true)
        return [.fetchScreen(machine.key, name: machine.name)]
    }

    mutating func received(_ picture: Picture?, problem: String?) {
        awaiting = false
        if let picture { self.picture = picture }
        self.problem = problem
    }

    public func handle(_ key: Key, in state: inout AppState) -> [Effect] {
        if key == .escape {
            state.modal = nil
            return []
        }
        guard let codes = GuestKeys.codes(for: key) else {
            return refuse(&state, "\(key.label) has no key on the guest's keyboard")
        }
        return [.sendKeys(machine.key, name: machine.name, codes)]
    }

    public var hints: [(String, String)] { [("keys", "to the guest"), ("F11", "Esc"), ("F12", "Ctrl-Alt-Del"), ("Esc", "close")] }

    public func draw(_ buffer: inout Buffer, _ state: AppState, theme: Theme, glyphs: Glyphs) {
        let size = buffer.size
        // The whole width below the tabs: every column is worth a pixel, and no pane's border shows beside it.
        let area = Rect(x: 0, y: 2, width: size.width, height: max(0, size.height - 4))
        let inner = buffer.pane(area, title: "Screen of \(machine.name) · typing goes to the guest", focused: true,
                                theme: theme, glyphs: glyphs)
        buffer.fill(inner, style: theme[.text])
        guard let picture else {
            _ = buffer.write(problem ?? "asking \(machine.key.connection) for the screen…", x: inner.x + 1, y: inner.y,
                             style: problem == nil ? theme[.dim] : theme[.stateCrashed], maxX: inner.maxX)
            return
        }
        // The last line of the pane says how old the picture is when it could not be renewed.
        let room = Size(width: inner.width, height: max(1, inner.height - (problem == nil ? 0 : 1)))
        // Without colour (NO_COLOR, the mono theme) or Unicode, a character of the right darkness stands for a cell.
        let colourless = theme[.stateRunning].foreground == .default && theme[.stateCrashed].foreground == .default
        let (shown, cells) = picture.cells(fitting: room, glyphs == .ascii || colourless ? .characters : .halfBlocks)
        let left = inner.x + (inner.width - shown.width) / 2
        // A terminal with graphics of its own draws the picture itself, over the cells.
        if state.graphics == .kitty && glyphs != .ascii && !colourless {
            buffer.pictures.append(PlacedPicture(rect: Rect(x: left, y: inner.y, width: shown.width, height: shown.height), picture: picture))
        }
        for row in 0 ..< shown.height {
            for column in 0 ..< shown.width {
                buffer[left + column, inner.y + row] = cells[row * shown.width + column]
            }
        }
        if let problem {
            _ = buffer.write(problem, x: inner.x + 1, y: inner.maxY - 1, style: theme[.stateCrashed], maxX: inner.maxX)
        }
    }
}

/// Terminal keys as the guest's keyboard presses them: Linux key codes (what `virsh send-key --codeset linux` takes),
/// shifted where the character needs Shift on a US layout.
public enum GuestKeys {
    static let shift: UInt32 = 42, control: UInt32 = 29, alt: UInt32 = 56
    static let plain: [Character: UInt32] = {
        var map: [Character: UInt32] = [" ": 57, "-": 12, "=": 13, "[": 26, "]": 27, ";": 39, "'": 40, "`": 41, "\\": 43,
                                        ",": 51, ".": 52, "/": 53]
        for (row, first) in [("qwertyuiop", 16), ("asdfghjkl", 30), ("zxcvbnm", 44)] as [(String, UInt32)] {
            for (offset, letter) in row.enumerated() { map[letter] = first + UInt32(offset) }
        }
        for (offset, digit) in "1234567890".enumerated() { map[digit] = 2 + UInt32(offset) }
        return map
    }()
    static let shifted: [Character: Character] = [
        "!": "1", "@": "2", "#": "3", "$": "4", "%": "5", "^": "6", "&": "7", "*": "8", "(": "9", ")": "0", "_": "-", "+": "=",
        "{": "[", "}": "]", ":": ";", "\"": "'", "~": "`", "|": "\\", "<": ",", ">": ".", "?": "/",
    ]

    /// The codes pressed together for `key`; nil where the guest's keyboard has no such key.
    public static func codes(for key: Key) -> [UInt32]? {
        switch key {
        case .character(let c):
            if let code = plain[c] { return [code] }
            if c.isUppercase, let lower = c.lowercased().first, let code = plain[lower] { return [shift, code] }
            if let base = shifted[c], let code = plain[base] { return [shift, code] }
            return nil
        case .control(let c): return plain[Character(c.lowercased())].map { [control, $0] }
        case .enter: return [28]
        case .tab: return [15]
        case .backTab: return [shift, 15]
        case .backspace: return [14]
        case .delete: return [111]
        case .up: return [103]
        case .down: return [108]
        case .left: return [105]
        case .right: return [106]
        case .pageUp: return [104]
        case .pageDown: return [109]
        case .home: return [102]
        case .end: return [107]
        case .function(11): return [1]
        case .function(12): return [control, alt, 111]
        case .function(let n) where (1 ... 10).contains(n): return [58 + UInt32(n)]
        case .escape, .function: return nil
        }
    }
}
