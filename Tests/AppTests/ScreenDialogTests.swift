import Foundation
import Inventory
import Testing
import TestTags
import TermUI
@testable import App

/// The screen dialog on its own: when it asks for a picture, how it draws one at 80x24 (and without colour or
/// Unicode), what it says when there is none, and which key codes typing sends.
@Suite(.tags(.pure)) struct ScreenDialogTests {
    let web1 = MachineRef(DashboardFixture.key(DashboardFixture.web1), "web1")
    // White over blue, 4×4.
    let picture = Picture(width: 4, height: 4, rgb: [UInt8](repeating: 255, count: 24) + [UInt8](repeating: 0, count: 24).enumerated().map { $0.offset % 3 == 2 ? 255 : 0 })!

    func screen(_ state: AppState, glyphs: Glyphs = .unicode, theme: Theme = .builtIn) -> String {
        view(state, size: Size(width: 80, height: 24), theme: theme, glyphs: glyphs).text
    }

    @Test func itAsksOnOpeningAboutOnceASecondAndAgainWhenAnAnswerIsLost() {
        var state = DashboardFixture.state()
        state.now = 100
        #expect(ScreenDialog.open(&state, web1) == [.fetchScreen(web1.key, name: "web1")])
        #expect(update(&state, .tick(now: 100.5)).isEmpty, "one picture at a time")
        #expect(update(&state, .tick(now: 109)).isEmpty, "its answer is awaited")
        #expect(update(&state, .tick(now: 110.1)) == [.fetchScreen(web1.key, name: "web1")], "a lost answer is asked for again")
        _ = update(&state, .screen(web1.key, picture, problem: nil))
        #expect(update(&state, .tick(now: 110.5)).isEmpty)
        #expect(update(&state, .tick(now: 111.2)) == [.fetchScreen(web1.key, name: "web1")])
        _ = update(&state, .key(.escape))
        #expect(state.modal == nil && update(&state, .tick(now: 120)).isEmpty, "closed, it asks no more")
    }

    /// Where the terminal draws pictures itself (kitty graphics), the picture is placed over the cells that draw it;
    /// without colour or Unicode, or elsewhere, there is none to place.
    @Test func aTerminalWithGraphicsGetsThePictureItself() {
        var state = DashboardFixture.state()
        _ = ScreenDialog.open(&state, web1)
        _ = update(&state, .screen(web1.key, picture, problem: nil))
        let size = Size(width: 80, height: 24)
        #expect(view(state, size: size, theme: .builtIn, glyphs: .unicode).pictures.isEmpty)
        state.graphics = .kitty
        let drawn = view(state, size: size, theme: .builtIn, glyphs: .unicode)
        let placed = try? #require(drawn.pictures.first)
        #expect(drawn.pictures.count == 1 && placed?.picture == picture)
        if let rect = placed?.rect {
            #expect(rect.width > 0 && rect.height > 0 && rect.y == 3 && rect.maxX <= 79, "\(rect)")
            #expect(drawn[rect.x, rect.y].text == "▀", "the cells beneath still draw it, for a terminal that does not")
        }
        #expect(view(state, size: size, theme: .builtIn, glyphs: .ascii).pictures.isEmpty)
        _ = update(&state, .key(.escape))
        #expect(view(state, size: size, theme: .builtIn, glyphs: .unicode).pictures.isEmpty, "closed, the picture goes")
    }

    @Test func thePictureIsDrawnInColourOrInCharactersAndAProblemIsSaid() {
        var state = DashboardFixture.state()
        _ = ScreenDialog.open(&state, web1)
        #expect(screen(state).contains("asking \(web1.key.connection) for the screen…"))
        _ = update(&state, .screen(web1.key, picture, problem: nil))
        let coloured = screen(state)
        #expect(coloured.contains("Screen of web1") && coloured.contains("▀▀▀▀▀▀▀▀"))
        let plain = screen(state, glyphs: .ascii)
        #expect(plain.contains("@@@@") && !plain.contains("▀"), "white as '@' in characters")
        _ = update(&state, .screen(web1.key, nil, problem: "web1 is not running: start it to see its screen"))
        #expect(screen(state).contains("web1 is not running: start it to see its screen"), "the last picture stays, the problem under it")
    }

    @Test func typingBecomesTheGuestsKeyCodes() {
        #expect(GuestKeys.codes(for: .character("a")) == [30] && GuestKeys.codes(for: .character("A")) == [42, 30])
        #expect(GuestKeys.codes(for: .character("1")) == [2] && GuestKeys.codes(for: .character("!")) == [42, 2])
        #expect(GuestKeys.codes(for: .character(" ")) == [57] && GuestKeys.codes(for: .character("/")) == [53])
        #expect(GuestKeys.codes(for: .control("c")) == [29, 46])
        #expect(GuestKeys.codes(for: .function(1)) == [59] && GuestKeys.codes(for: .function(10)) == [68])
        #expect(GuestKeys.codes(for: .function(11)) == [1] && GuestKeys.codes(for: .function(12)) == [29, 56, 111])
        #expect(GuestKeys.codes(for: .character("é")) == nil)
        var state = DashboardFixture.state()
        _ = ScreenDialog.open(&state, web1)
        #expect(update(&state, .key(.enter)) == [.sendKeys(web1.key, name: "web1", [28])])
        #expect(update(&state, .key(.character("é"))).isEmpty && state.status?.text.contains("é has no key") == true)
    }
}
