/// Drawing helpers every screen shares: framed panes, tables, gauges, sparklines, scrolling text.
extension Buffer {
    /// A bordered pane with a title in its top edge; returns the area inside the border.
    @discardableResult
    public mutating func pane(_ rect: Rect, title: String, focused: Bool, theme: Theme, glyphs: Glyphs) -> Rect {
        guard rect.width >= 2, rect.height >= 2 else { return Rect(x: rect.x, y: rect.y, width: 0, height: 0) }
        let border = theme[focused ? .borderFocused : .border]
        fill(rect, style: theme[.text])
        // Borders are set cell by cell: one glyph repeated needs no measuring (it is drawn every frame).
        for (y, left, right) in [(rect.y, glyphs.topLeft, glyphs.topRight), (rect.maxY - 1, glyphs.bottomLeft, glyphs.bottomRight)] {
            self[rect.x, y] = Cell(left, border)
            for x in rect.x + 1..<rect.maxX - 1 { self[x, y] = Cell(glyphs.horizontal, border) }
            self[rect.maxX - 1, y] = Cell(right, border)
        }
        for y in rect.y + 1..<rect.maxY - 1 {
            self[rect.x, y] = Cell(glyphs.vertical, border)
            self[rect.maxX - 1, y] = Cell(glyphs.vertical, border)
        }
        if !title.isEmpty, rect.width > 6 {
            let text = " " + DisplayWidth.truncate(title, to: rect.width - 6, ellipsis: glyphs.ellipsis) + " "
            write(text, x: rect.x + 2, y: rect.y, style: theme[focused ? .titleFocused : .title])
        }
        return rect.inner
    }

    /// A horizontal bar for `fraction` (0...1) of `width` columns.
    public mutating func gauge(x: Int, y: Int, width: Int, fraction: Double, theme: Theme, glyphs: Glyphs,
                               highAbove: Double = 0.85) {
        guard width > 0 else { return }
        let clamped = min(1, max(0, fraction.isFinite ? fraction : 0))
        let filled = Int((clamped * Double(width)).rounded())
        write(String(repeating: glyphs.gaugeFull, count: filled), x: x, y: y,
              style: theme[clamped > highAbove ? .gaugeHigh : .gauge])
        write(String(repeating: glyphs.gaugeEmpty, count: width - filled), x: x + filled, y: y, style: theme[.gaugeEmpty])
    }

    /// The last `width` values as a one-row sparkline scaled to `ceiling` (or the largest value).
    public mutating func sparkline(_ values: [Double], x: Int, y: Int, width: Int, ceiling: Double? = nil,
                                   theme: Theme, glyphs: Glyphs) {
        guard width > 0 else { return }
        let shown = values.suffix(width)
        let top = max(ceiling ?? shown.max() ?? 1, 0.000_001)
        var line = String(repeating: " ", count: width - shown.count)
        for value in shown {
            let level = Int((min(1, max(0, value / top)) * Double(glyphs.sparks.count - 1)).rounded())
            line += glyphs.sparks[level]
        }
        write(line, x: x, y: y, style: theme[.sparkline])
    }

    /// A bar chart filling `rect`: one column per value (the newest at the right; more values than columns are
    /// averaged in groups), eight levels per row, `ceiling` (default: the largest value) at the top.
    public mutating func barChart(_ values: [Double], in rect: Rect, ceiling: Double? = nil, theme: Theme, glyphs: Glyphs) {
        guard rect.width > 0, rect.height > 0, !values.isEmpty else { return }
        let group = max(1, (values.count + rect.width - 1) / rect.width)
        let columns = stride(from: values.count % group == 0 ? 0 : values.count % group - group, to: values.count, by: group)
            .map { start -> Double in
                let slice = values[max(0, start)..<min(values.count, start + group)]
                return slice.reduce(0, +) / Double(slice.count)
            }.suffix(rect.width)
        let top = max(ceiling ?? columns.max() ?? 1, 0.000_001)
        let levels = glyphs.sparks.count
        for (offset, value) in columns.enumerated() {
            let x = rect.maxX - columns.count + offset
            let eighths = Int((min(1, max(0, value / top)) * Double(rect.height * levels)).rounded())
            for row in 0..<rect.height {
                let filled = eighths - row * levels
                guard filled > 0 else { break }
                write(filled >= levels ? glyphs.sparks[levels - 1] : glyphs.sparks[filled - 1], x: x,
                      y: rect.maxY - 1 - row, style: theme[.sparkline])
            }
        }
    }

    /// Lines of text from `offset`, clipped to `rect`.
    public mutating func textLines(_ lines: [StyledLine], in rect: Rect, offset: Int = 0) {
        for (row, line) in lines.dropFirst(max(0, offset)).prefix(rect.height).enumerated() {
            var x = rect.x
            for span in line.spans { x = write(span.text, x: x, y: rect.y + row, style: span.style, maxX: rect.maxX) }
        }
    }
}

/// A line made of differently styled pieces.
public struct StyledLine: Sendable, Equatable {
    public struct Span: Sendable, Equatable {
        public let text: String
        public let style: Style
        public init(_ text: String, _ style: Style) {
            self.text = text
            self.style = style
        }
    }

    public var spans: [Span]
    public init(_ spans: [Span]) { self.spans = spans }
    public init(_ text: String, _ style: Style) { spans = [Span(text, style)] }
}

/// A table: column headers, rows of styled cells, a selected row kept in view.
public struct TableView {
    public struct Column {
        public let title: String
        public let width: Int
        public let rightAligned: Bool
        public init(_ title: String, width: Int, rightAligned: Bool = false) {
            self.title = title
            self.width = width
            self.rightAligned = rightAligned
        }
    }

    public let columns: [Column]
    public let rowCount: Int
    /// Builds one row's cells; called only for the rows on screen, so a long list costs what it shows.
    public let row: (Int) -> [StyledLine.Span]
    public let selected: Int?
    public let focused: Bool

    public init(columns: [Column], rowCount: Int, selected: Int?, focused: Bool,
                row: @escaping (Int) -> [StyledLine.Span]) {
        self.columns = columns
        self.rowCount = rowCount
        self.row = row
        self.selected = selected
        self.focused = focused
    }

    /// Widths for `total` columns: fixed columns as given, width-0 columns share what is left.
    public static func widths(_ columns: [Column], total: Int) -> [Int] {
        let fixed = columns.filter { $0.width > 0 }.reduce(0) { $0 + $1.width } + max(0, columns.count - 1)
        let flexible = columns.filter { $0.width == 0 }.count
        let share = flexible > 0 ? max(4, (total - fixed) / flexible) : 0
        return columns.map { $0.width > 0 ? $0.width : share }
    }

    /// The first row to show so that `selected` is visible in `height` rows.
    public static func scrollOffset(selected: Int?, count: Int, height: Int) -> Int {
        guard let selected, height > 0, count > height else { return 0 }
        return min(max(0, selected - height / 2), count - height)
    }

    public func draw(into buffer: inout Buffer, rect: Rect, theme: Theme) {
        guard rect.height > 0, rect.width > 0 else { return }
        let widths = Self.widths(columns, total: rect.width)
        var x = rect.x
        for (column, width) in zip(columns, widths) {
            buffer.write(column.title, x: x, y: rect.y, width: width, rightAligned: column.rightAligned,
                         style: theme[.columnHeader], maxX: rect.maxX)
            x += width + 1
        }
        let body = Rect(x: rect.x, y: rect.y + 1, width: rect.width, height: rect.height - 1)
        let offset = Self.scrollOffset(selected: selected, count: rowCount, height: body.height)
        for index in offset..<min(rowCount, offset + body.height) {
            let y = body.y + index - offset
            var x = rect.x
            for (cell, (column, width)) in zip(row(index), zip(columns, widths)) {
                buffer.write(cell.text, x: x, y: y, width: width, rightAligned: column.rightAligned, style: cell.style,
                             maxX: rect.maxX)
                x += width + 1
            }
            if index == selected {
                let bar = theme[focused ? .selected : .selectedUnfocused]
                buffer.restyle(Rect(x: rect.x, y: y, width: rect.width, height: 1)) { _ in bar }
            }
        }
    }
}
