import Testing
import TestTags
@testable import TermUI

@Suite(.tags(.pure)) struct BufferTests {
    @Test func writesClipAtTheEdgeAndReturnTheNextColumn() {
        var buffer = Buffer(size: Size(width: 8, height: 2))
        #expect(buffer.write("hello world", x: 2, y: 0, style: .plain) == 8)
        #expect(buffer.text == "  hello\n")
        #expect(buffer.write("x", x: 0, y: 5, style: .plain) == 0)
    }

    @Test func controlCharactersNeverReachTheTerminal() {
        var buffer = Buffer(size: Size(width: 10, height: 1))
        buffer.write("a\u{1b}[2Jb\tc", x: 0, y: 0, style: .plain)
        #expect(buffer.text == "a [2Jb c")
    }

    @Test func wideCharactersTakeTwoColumns() {
        var buffer = Buffer(size: Size(width: 6, height: 1))
        #expect(buffer.write("日本x", x: 0, y: 0, style: .plain) == 5)
        #expect(buffer[1, 0] == .continuation)
        #expect(buffer.text == "日本x")
        var tight = Buffer(size: Size(width: 3, height: 1))
        tight.write("日本", x: 0, y: 0, style: .plain)
        #expect(tight.text == "日")
    }

    @Test func changesAreOnlyTheCellsThatDiffer() {
        var old = Buffer(size: Size(width: 10, height: 3))
        old.write("CPU 12.5%", x: 0, y: 1, style: .plain)
        var new = old
        new.write("CPU 13.0%", x: 0, y: 1, style: .plain)
        let changes = new.changes(from: old)
        // "12.5%" -> "13.0%": only the "3" and the "0" are sent; the "1", "." and "%" stay.
        #expect(changes.map(\.x) == [5, 7] && changes.allSatisfy { $0.y == 1 })
        #expect(changes.map { $0.cells.map(\.text).joined() } == ["3", "0"])
        #expect(new.changes(from: new).isEmpty)
    }

    @Test func aNewSizeRedrawsEverything() {
        let small = Buffer(size: Size(width: 4, height: 2)), big = Buffer(size: Size(width: 5, height: 2))
        #expect(big.changes(from: small).map(\.cells.count) == [5, 5])
        #expect(big.changes(from: nil).count == 2)
    }

    /// Plain ASCII takes a shortcut (a column per byte); the shortcut must draw what the general path draws.
    @Test func asciiAndUnicodeTextMeasureAndCutAlike() {
        #expect(DisplayWidth.of("vm-0042") == 7 && DisplayWidth.of("a\r\nb") == 3, "CR LF is one grapheme")
        #expect(DisplayWidth.of("né") == 2 && DisplayWidth.of("日本") == 4)
        #expect(DisplayWidth.truncate("abcdef", to: 4) == "abc…" && DisplayWidth.truncate("abcdef", to: 1) == "…")
        #expect(DisplayWidth.truncate("日本語テキスト", to: 5) == "日本…")
        var buffer = Buffer(size: Size(width: 6, height: 2))
        #expect(buffer.write("a\u{7f}b", x: -1, y: 0, style: .plain) == 2, "starts off screen, clipped on the left")
        #expect(buffer.write("abcdefgh", x: 2, y: 1, style: .plain) == 6)
        #expect(buffer.text == " b\n  abcd", "DEL drawn as a space")
    }

    @Test func aFittedWriteDrawsWhatFitDraws() {
        let cases: [(String, Int, Bool)] = [("vm-1", 8, false), ("12.5", 6, true), ("a-very-long-name", 6, false),
                                             ("日本語", 5, true), ("日本語", 4, false), ("", 3, false), ("edge", 9, true)]
        for (text, width, right) in cases {
            var fitted = Buffer(size: Size(width: 12, height: 1), fill: Cell("x"))
            var built = fitted
            fitted.write(text, x: 1, y: 0, width: width, rightAligned: right, style: .plain, maxX: 8)
            built.write(DisplayWidth.fit(text, to: width, rightAligned: right), x: 1, y: 0, style: .plain, maxX: 8)
            #expect(fitted == built, "\(text) in \(width) columns")
        }
    }

    @Test func truncationAndFitting() {
        #expect(DisplayWidth.truncate("virtual-machine", to: 8) == "virtual…")
        #expect(DisplayWidth.truncate("vm", to: 8) == "vm")
        #expect(DisplayWidth.fit("42", to: 5, rightAligned: true) == "   42")
        #expect(DisplayWidth.fit("abcdef", to: 0) == "")
    }

    @Test func rectSplits() {
        let rect = Rect(x: 0, y: 0, width: 80, height: 24)
        let (top, rest) = rect.splitTop(1)
        #expect(top.height == 1 && rest.y == 1 && rest.height == 23)
        let (_, bottom) = rect.splitBottom(30)
        #expect(bottom.height == 24)
        #expect(rect.centered(width: 100, height: 4) == Rect(x: 0, y: 10, width: 80, height: 4))
    }
}

@Suite(.tags(.pure)) struct WidgetTests {
    @Test func paneDrawsABorderAndTitle() {
        var buffer = Buffer(size: Size(width: 12, height: 3))
        let inner = buffer.pane(buffer.bounds, title: "VMs", focused: true, theme: .builtIn, glyphs: .ascii)
        #expect(inner == Rect(x: 1, y: 1, width: 10, height: 1))
        #expect(buffer.text == "+- VMs ----+\n|          |\n+----------+")
    }

    @Test func gaugeAndSparkline() {
        var buffer = Buffer(size: Size(width: 10, height: 2))
        buffer.gauge(x: 0, y: 0, width: 10, fraction: 0.5, theme: .builtIn, glyphs: .ascii)
        buffer.sparkline([0, 50, 100], x: 0, y: 1, width: 5, ceiling: 100, theme: .builtIn, glyphs: .unicode)
        #expect(buffer.text == "#####.....\n  ▁▅█")
        buffer.gauge(x: 0, y: 0, width: 10, fraction: .nan, theme: .builtIn, glyphs: .ascii)
        #expect(buffer.text.hasPrefix(".........."))
    }

    @Test func tableKeepsTheSelectionInView() {
        #expect(TableView.scrollOffset(selected: 0, count: 100, height: 10) == 0)
        #expect(TableView.scrollOffset(selected: 50, count: 100, height: 10) == 45)
        #expect(TableView.scrollOffset(selected: 99, count: 100, height: 10) == 90)
        let widths = TableView.widths([.init("NAME", width: 0), .init("CPU", width: 5)], total: 20)
        #expect(widths == [14, 5])
    }
}

@Suite(.tags(.pure)) struct GlyphTests {
    @Test func unicodeOnlyWithAUTF8LocaleAndACapableTerminal() {
        #expect(Glyphs.detect(environment: ["LANG": "en_US.UTF-8", "TERM": "xterm-256color"]) == .unicode)
        #expect(Glyphs.detect(environment: ["LANG": "C", "TERM": "xterm"]) == .ascii)
        #expect(Glyphs.detect(environment: ["LC_ALL": "C.UTF-8", "TERM": "linux"]) == .ascii)
        #expect(Glyphs.detect(environment: ["LC_ALL": "", "LANG": "C.utf8", "TERM": "screen"]) == .unicode)
    }
}
