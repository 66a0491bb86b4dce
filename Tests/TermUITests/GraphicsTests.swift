import Foundation
import Testing
import TestTags
import TermUI

/// When the terminal draws pictures itself, and the kitty graphics commands that ask it to.
@Suite(.tags(.pure)) struct GraphicsTests {
    @Test func theTerminalSaysWhetherItDrawsPictures() {
        #expect(TerminalGraphics.detect(["TERM": "xterm-256color"]) == .none)
        #expect(TerminalGraphics.detect(["TERM": "xterm-kitty"]) == .kitty, "kitty's TERM crosses ssh")
        #expect(TerminalGraphics.detect(["KITTY_WINDOW_ID": "1", "TERM": "xterm-256color"]) == .kitty)
        #expect(TerminalGraphics.detect(["TERM_PROGRAM": "WezTerm"]) == .kitty)
        #expect(TerminalGraphics.detect(["TERM": "xterm-kitty", "NO_COLOR": "1"]) == .none)
        #expect(TerminalGraphics.detect(["TERM": "xterm-kitty", "VIRTLAB_GRAPHICS": "none"]) == .none)
        #expect(TerminalGraphics.detect(["VIRTLAB_GRAPHICS": "kitty"]) == .kitty)
    }

    @Test func aPictureGoesInChunksOfBase64AndComesOff() throws {
        let png = (0 ..< 5000).map { UInt8($0 % 251) }
        let sent = KittyGraphics.show(png: png, id: 7, columns: 76, rows: 19)
        let commands = sent.components(separatedBy: "\u{1B}\\").dropLast()
        #expect(commands.count == 2, "6668 base64 characters are two chunks of at most 4096")
        #expect(commands.first?.hasPrefix("\u{1B}_Ga=T,f=100,i=7,c=76,r=19,C=1,q=2,m=1;") == true)
        #expect(commands.last?.hasPrefix("\u{1B}_Gm=0,q=2;") == true)
        let payload = commands.map { $0.split(separator: ";", maxSplits: 1).last.map(String.init) ?? "" }.joined()
        #expect(Data(base64Encoded: payload).map([UInt8].init) == png)
        #expect(KittyGraphics.show(png: [1, 2, 3], id: 1, columns: 1, rows: 1) == "\u{1B}_Ga=T,f=100,i=1,c=1,r=1,C=1,q=2,m=0;AQID\u{1B}\\")
        #expect(KittyGraphics.delete(id: 7) == "\u{1B}_Ga=d,d=I,i=7,q=2\u{1B}\\")
    }
}
