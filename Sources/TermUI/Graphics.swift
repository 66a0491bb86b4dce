import Foundation

/// Pictures the terminal draws itself, over cells, where it says it can: the kitty graphics protocol (kitty, WezTerm,
/// Ghostty, Konsole). Elsewhere pictures are drawn with cells (half-blocks, or characters).
public enum TerminalGraphics: String, Sendable, Equatable {
    case none, kitty

    /// What the terminal says of itself in the environment: kitty sets KITTY_WINDOW_ID and TERM=xterm-kitty (which
    /// ssh carries), WezTerm and Ghostty set TERM_PROGRAM. `VIRTLAB_GRAPHICS=kitty|none` overrides; NO_COLOR means none.
    public static func detect(_ environment: [String: String]) -> TerminalGraphics {
        if let chosen = environment["VIRTLAB_GRAPHICS"].flatMap(TerminalGraphics.init(rawValue:)) { return chosen }
        if environment["NO_COLOR"].map({ !$0.isEmpty }) == true { return .none }
        if environment["KITTY_WINDOW_ID"] != nil || environment["TERM"] == "xterm-kitty" { return .kitty }
        if let program = environment["TERM_PROGRAM"], ["WezTerm", "ghostty"].contains(program) { return .kitty }
        return .none
    }
}

/// A picture the terminal is to draw over `rect` (cells), scaled to it.
public struct PlacedPicture: Sendable, Equatable {
    public let rect: Rect
    public let picture: Picture

    public init(rect: Rect, picture: Picture) {
        self.rect = rect
        self.picture = picture
    }
}

/// The kitty graphics protocol's commands (APC `ESC _ G … ESC \`), as its specification gives them.
public enum KittyGraphics {
    /// Sends PNG data as image `id` and shows it over `columns` × `rows` cells at the cursor, which stays where it
    /// is (C=1); no replies (q=2), so nothing comes back on the keyboard. The data goes base64 in chunks of 4096.
    public static func show(png: [UInt8], id: UInt32, columns: Int, rows: Int) -> String {
        let payload = Array(Data(png).base64EncodedString().utf8)
        var out = ""
        var offset = 0
        repeat {
            let chunk = String(decoding: payload[offset ..< min(payload.count, offset + 4096)], as: UTF8.self)
            offset += 4096
            let more = offset < payload.count ? 1 : 0
            let keys = out.isEmpty ? "a=T,f=100,i=\(id),c=\(columns),r=\(rows),C=1,q=2,m=\(more)" : "m=\(more),q=2"
            out += "\u{1B}_G\(keys);\(chunk)\u{1B}\\"
        } while offset < payload.count
        return out
    }

    /// Takes image `id` off the screen and frees its data.
    public static func delete(id: UInt32) -> String { "\u{1B}_Ga=d,d=I,i=\(id),q=2\u{1B}\\" }
}
