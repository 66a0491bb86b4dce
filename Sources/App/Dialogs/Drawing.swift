import Humanize
import TermUI

// What the dialogs draw with: a framed box of lines, a prompt, a form, scrolling text.

/// Names in one line, cut with "and N more" where they do not fit.
func listed(_ names: [String], width: Int) -> String {
    var shown: [String] = []
    for (index, name) in names.enumerated() {
        let rest = names.count - index - 1
        let candidate = (shown + [name]).joined(separator: ", ") + (rest > 0 ? ", and \(rest) more" : "")
        guard DisplayWidth.of(candidate) <= max(20, width) || shown.isEmpty else {
            return shown.joined(separator: ", ") + ", and \(names.count - shown.count) more"
        }
        shown.append(name)
    }
    return shown.joined(separator: ", ")
}

/// A form: its intro line, one row per field (label, then the value, the one in focus marked), and a hint.
func drawForm(_ buffer: inout Buffer, title: String, intro: String, _ form: Form, hint: String, theme: Theme,
                      glyphs: Glyphs) {
    let labelWidth = (form.labels.map { DisplayWidth.of($0) }.max() ?? 0) + 2
    let area = dialog(&buffer, title: title, lines: [intro] + form.labels + ["", hint], minWidth: 60, theme: theme,
                      glyphs: glyphs)
    for (row, value) in form.values.enumerated() {
        let x = area.x + 1 + labelWidth, y = area.y + 1 + row
        let focused = form.focus == row
        let style = theme[focused ? .input : .modal]
        buffer.fill(Rect(x: x, y: y, width: area.maxX - x - 1, height: 1), style: style)
        let text = value + (focused ? "_" : "")
        buffer.write(String(text.suffix(max(0, area.maxX - x - 2))), x: x, y: y, style: style, maxX: area.maxX - 1)
    }
}

@discardableResult
func dialog(_ buffer: inout Buffer, title: String, lines: [String], minWidth: Int = 30, theme: Theme,
                    glyphs: Glyphs) -> Rect {
    let width = min(buffer.size.width - 4, max(minWidth, (lines.map { DisplayWidth.of($0) }.max() ?? 0) + 4,
                                               DisplayWidth.of(title) + 8))
    let rect = buffer.bounds.centered(width: width, height: lines.count + 2)
    let inner = framed(&buffer, rect, title: title, theme: theme, glyphs: glyphs)
    for (row, line) in lines.enumerated() {
        buffer.write(" " + line, x: inner.x, y: inner.y + row, style: theme[.modal], maxX: inner.maxX)
    }
    return inner
}

func framed(_ buffer: inout Buffer, _ rect: Rect, title: String, theme: Theme, glyphs: Glyphs) -> Rect {
    let inner = buffer.pane(rect, title: title, focused: true, theme: theme, glyphs: glyphs)
    buffer.restyle(rect) { _ in theme[.modalBorder] }
    buffer.fill(inner, style: theme[.modal])
    return inner
}

/// A dialog whose last line is a text field holding `typed`.
func prompt(_ buffer: inout Buffer, title: String, lines: [String], typed: String, theme: Theme,
                    glyphs: Glyphs) {
    let area = dialog(&buffer, title: title, lines: lines + [""], theme: theme, glyphs: glyphs)
    input(&buffer, typed, x: area.x + 1, y: area.maxY - 1, width: area.width - 2, theme: theme)
}

func input(_ buffer: inout Buffer, _ text: String, x: Int, y: Int, width: Int, theme: Theme) {
    buffer.fill(Rect(x: x, y: y, width: width, height: 1), style: theme[.input])
    let shown = String(text.suffix(max(0, width - 2)))
    buffer.write(shown + "_", x: x, y: y, style: theme[.input], maxX: x + width)
}

func scrollingText(_ buffer: inout Buffer, title: String, lines: [StyledLine], offset: Int, theme: Theme,
                           glyphs: Glyphs) {
    let rect = buffer.bounds.centered(width: buffer.size.width - 4, height: buffer.size.height - 4)
    let inner = framed(&buffer, rect, title: title, theme: theme, glyphs: glyphs)
    let maxOffset = max(0, lines.count - inner.height)
    let shownOffset = min(offset, maxOffset)
    buffer.textLines(lines, in: inner.inset(left: 1), offset: shownOffset)
    if lines.count > inner.height {
        let position = " \(shownOffset + 1)-\(min(lines.count, shownOffset + inner.height)) of \(lines.count) "
        buffer.write(position, x: rect.maxX - DisplayWidth.of(position) - 2, y: rect.maxY - 1, style: theme[.modalBorder])
    }
}
