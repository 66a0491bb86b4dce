import Foundation
import Testing
import TestTags
@testable import TermUI

@Suite(.tags(.pure)) struct ThemeTests {
    static let themesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("themes").path

    @Test(arguments: ["default", "light", "mono", "high-contrast"])
    func everyShippedThemeLoadsAndNamesEveryRole(name: String) throws {
        let text = try String(contentsOfFile: "\(Self.themesDirectory)/\(name).theme", encoding: .utf8)
        let theme = try ThemeFile.parse(text, name: name, file: "\(name).theme")
        #expect(theme.name == name)
        for role in Role.allCases { #expect(text.contains("\n\(role.rawValue) "), "\(name) lacks \(role.rawValue)") }
    }

    @Test func monoUsesNoColourAtAll() throws {
        let text = try String(contentsOfFile: "\(Self.themesDirectory)/mono.theme", encoding: .utf8)
        let theme = try ThemeFile.parse(text, name: "mono", file: "mono.theme")
        for role in Role.allCases {
            #expect(theme[role].foreground == .default && theme[role].background == .default)
        }
    }

    @Test func parsesColoursBackgroundsAndAttributes() throws {
        let theme = try ThemeFile.parse("# comment\n\nheader = bright-white on color24 bold underline\n"
                                        + "selected = reverse\n", name: "t", file: "t.theme")
        #expect(theme[.header] == Style(.ansi(15), on: .indexed(24), [.bold, .underline]))
        #expect(theme[.selected] == Style(.default, on: .default, .reverse))
        #expect(theme[.text] == Theme.builtIn[.text])
    }

    @Test func errorsNameTheFileAndLine() {
        let cases: [(String, Int, String)] = [
            ("text = default\nheadr = red\n", 2, "unknown role 'headr'"),
            ("header = purple\n", 1, "unknown colour 'purple'"),
            ("\n\nheader = red on\n", 3, "'on' needs a background colour"),
            ("header red\n", 1, "expected 'role = colour"),
            ("header = red blinking\n", 1, "unknown attribute 'blinking'"),
            ("header = color300\n", 1, "unknown colour 'color300'"),
        ]
        for (text, line, message) in cases {
            let error = #expect(throws: ThemeError.self) { try ThemeFile.parse(text, name: "bad", file: "bad.theme") }
            #expect(error?.line == line)
            #expect(error?.description.hasPrefix("bad.theme:\(line): \(message)") == true, "\(String(describing: error))")
        }
    }

    @Test func coloursReduceForSmallTerminals() {
        #expect(Color.ansi(12).reduced(toColors: 8) == .ansi(4))
        #expect(Color.ansi(12).reduced(toColors: 16) == .ansi(12))
        #expect(Color.indexed(196).reduced(toColors: 16) == .ansi(9))
        #expect(Color.indexed(196).reduced(toColors: 8) == .ansi(1))
        #expect(Color.indexed(232).reduced(toColors: 16) == .ansi(0))
        #expect(Color.indexed(21).reduced(toColors: 256) == .indexed(21))
    }

    @Test func noColourKeepsSelectionVisible() {
        let mono = Theme.builtIn.reduced(toColors: 0)
        #expect(mono[.selected].attributes.contains(.reverse))
        #expect(mono[.selected].background == .default)
        #expect(mono[.statusError].attributes.contains(.bold))
    }
}
