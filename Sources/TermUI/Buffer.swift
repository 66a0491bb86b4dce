/// One terminal cell: a grapheme and its style. A wide grapheme's second column is a `continuation` cell.
public struct Cell: Sendable, Hashable {
    public var text: String
    public var style: Style

    public init(_ text: String = " ", _ style: Style = .plain) {
        self.text = text
        self.style = style
    }

    public static let blank = Cell()
    /// Stands in the column after a double-width grapheme; backends draw nothing for it.
    public static let continuation = Cell("")
}

/// An in-memory screen. Views draw into it; the terminal backend draws only what changed between two.
public struct Buffer: Sendable, Equatable {
    public let size: Size
    public private(set) var cells: [Cell]
    /// Pictures the terminal draws itself over some of the cells (see TerminalGraphics); the cells beneath still
    /// hold a drawing of their own, for a terminal that does not.
    public var pictures: [PlacedPicture] = []

    public init(size: Size, fill: Cell = .blank) {
        self.size = size
        cells = Array(repeating: fill, count: size.width * size.height)
    }

    public var bounds: Rect { Rect(x: 0, y: 0, width: size.width, height: size.height) }

    public subscript(x: Int, y: Int) -> Cell {
        get { contains(x, y) ? cells[y * size.width + x] : .blank }
        set { if contains(x, y) { cells[y * size.width + x] = newValue } }
    }

    func contains(_ x: Int, _ y: Int) -> Bool { x >= 0 && y >= 0 && x < size.width && y < size.height }

    /// Fills `rect` with spaces in `style`.
    public mutating func fill(_ rect: Rect, style: Style) {
        let clipped = clip(rect)
        for y in clipped.y..<clipped.maxY { for x in clipped.x..<clipped.maxX { self[x, y] = Cell(" ", style) } }
    }

    /// Writes `text` from (x, y), clipped at `maxX` (default: the buffer's edge), and returns the next column.
    /// Control characters become spaces, so nothing from outside can move the terminal's cursor.
    @discardableResult
    public mutating func write(_ text: String, x: Int, y: Int, style: Style, maxX: Int? = nil) -> Int {
        guard y >= 0, y < size.height else { return x }
        let limit = min(maxX ?? size.width, size.width)
        var column = x
        if DisplayWidth.isPlainASCII(text) {
            // One column per byte and no grapheme breaking: nearly every cell a dashboard draws.
            for byte in text.utf8 {
                if column >= limit { break }
                if column >= 0 {
                    let printable = byte < 0x20 || byte == 0x7F ? " " : String(UnicodeScalar(byte))
                    self[column, y] = Cell(printable, style)
                }
                column += 1
            }
            return column
        }
        for character in text {
            let width = DisplayWidth.of(character)
            if width == 0 { continue }
            if column + width > limit { break }
            if column >= 0 {
                let printable = character.isControlLike ? " " : String(character)
                self[column, y] = Cell(printable, style)
                if width == 2 { self[column + 1, y] = .continuation }
            }
            column += width
        }
        return column
    }

    /// Writes `text` into exactly `width` columns from x, cut with "…" or padded with spaces in `style`, aligned
    /// left or right: `write(DisplayWidth.fit(text, to: width))` without building the padded string (a table
    /// draws a few hundred cells a frame).
    public mutating func write(_ text: String, x: Int, y: Int, width: Int, rightAligned: Bool = false, style: Style,
                               maxX: Int? = nil) {
        guard width > 0 else { return }
        let limit = min(maxX ?? size.width, x + width)
        let cut = DisplayWidth.truncate(text, to: width)
        let pad = max(0, width - DisplayWidth.of(cut))
        let textStart = rightAligned ? x + pad : x
        let textEnd = write(cut, x: textStart, y: y, style: style, maxX: limit)
        let blanks = rightAligned ? (x, min(textStart, limit)) : (textEnd, limit)
        guard blanks.0 < blanks.1 else { return }
        for column in blanks.0..<blanks.1 { self[column, y] = Cell(" ", style) }
    }

    /// Restyles existing cells (keeps their text): used for selection bars and highlights.
    public mutating func restyle(_ rect: Rect, _ transform: (Style) -> Style) {
        let clipped = clip(rect)
        for y in clipped.y..<clipped.maxY {
            for x in clipped.x..<clipped.maxX { self[x, y].style = transform(self[x, y].style) }
        }
    }

    func clip(_ rect: Rect) -> Rect {
        let x0 = max(0, rect.x), y0 = max(0, rect.y)
        let x1 = min(size.width, rect.maxX), y1 = min(size.height, rect.maxY)
        return Rect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
    }

    /// The screen as text, one line per row with trailing spaces trimmed: what snapshot tests compare.
    public var text: String {
        (0..<size.height).map { y in
            var line = ""
            for x in 0..<size.width { line += self[x, y].text }
            while line.hasSuffix(" ") { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }

    /// A run of changed cells in one row.
    public struct Change: Sendable, Equatable {
        public let x: Int
        public let y: Int
        public let cells: [Cell]
    }

    /// What must be drawn to turn `previous` into this buffer: every row when sizes differ.
    public func changes(from previous: Buffer?) -> [Change] {
        var result: [Change] = []
        let full = previous?.size != size
        for y in 0..<size.height {
            var x = 0
            while x < size.width {
                let index = y * size.width + x
                if !full, previous!.cells[index] == cells[index] {
                    x += 1
                    continue
                }
                let start = x
                var run: [Cell] = []
                while x < size.width, full || previous!.cells[y * size.width + x] != cells[y * size.width + x] {
                    run.append(cells[y * size.width + x])
                    x += 1
                }
                result.append(Change(x: start, y: y, cells: run))
            }
        }
        return result
    }
}

extension Character {
    var isControlLike: Bool { unicodeScalars.contains { $0.value < 0x20 || (0x7F..<0xA0).contains($0.value) } }
}

/// Columns a grapheme takes in a terminal: 0 for combining marks, 2 for East Asian wide and emoji.
public enum DisplayWidth {
    private static let wide: [ClosedRange<UInt32>] = [
        0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
        0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F,
        0x1F900...0x1F9FF, 0x20000...0x3FFFD,
    ]

    public static func of(_ character: Character) -> Int {
        guard let scalar = character.unicodeScalars.first else { return 0 }
        let v = scalar.value
        if v < 0x300 { return 1 }
        if (0x300...0x36F).contains(v) || (0x200B...0x200F).contains(v) { return 0 }
        if v < 0x1100 || (0x2500...0x25FF).contains(v) { return 1 }  // includes box drawing and blocks
        return wide.contains { $0.contains(v) } ? 2 : 1
    }

    public static func of(_ text: String) -> Int {
        isPlainASCII(text) ? text.utf8.count : text.reduce(0) { $0 + of($1) }
    }

    /// ASCII without "\r\n" (the one ASCII pair that is a single grapheme): each byte is one character.
    static func isPlainASCII(_ text: String) -> Bool {
        var previous: UInt8 = 0
        for byte in text.utf8 {
            if byte >= 0x80 || (previous == 0x0D && byte == 0x0A) { return false }
            previous = byte
        }
        return true
    }

    /// Cuts `text` to at most `columns`, ending in "…" when cut.
    public static func truncate(_ text: String, to columns: Int, ellipsis: String = "…") -> String {
        guard columns > 0 else { return "" }
        if of(text) <= columns { return text }
        let room = columns - of(ellipsis)
        if isPlainASCII(text) { return String(text.utf8.prefix(max(0, room)))! + ellipsis }
        var out = ""
        var used = 0
        for character in text {
            let width = of(character)
            if used + width > room { break }
            out.append(character)
            used += width
        }
        return out + ellipsis
    }

    /// Pads (or truncates) to exactly `columns`, aligned left or right.
    public static func fit(_ text: String, to columns: Int, rightAligned: Bool = false) -> String {
        let cut = truncate(text, to: columns)
        let pad = String(repeating: " ", count: max(0, columns - of(cut)))
        return rightAligned ? pad + cut : cut + pad
    }
}
