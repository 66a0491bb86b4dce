/// The characters used for borders, bars and marks: Unicode box drawing, or plain ASCII where the locale
/// is not UTF-8 or the terminal is limited (TERM=linux, vt100, ...).
public struct Glyphs: Sendable, Equatable {
    public let horizontal, vertical, topLeft, topRight, bottomLeft, bottomRight: String
    public let teeLeft, teeRight: String
    public let gaugeFull, gaugeEmpty: String
    /// Eight sparkline levels, lowest first.
    public let sparks: [String]
    public let ellipsis: String
    /// Marks for the sort direction in a pane title.
    public let ascending, descending: String
    /// A marked row's mark.
    public let mark: String

    public static let unicode = Glyphs(horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐", bottomLeft: "└",
                                       bottomRight: "┘", teeLeft: "├", teeRight: "┤", gaugeFull: "█", gaugeEmpty: "░",
                                       sparks: ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"], ellipsis: "…",
                                       ascending: "↑", descending: "↓", mark: "●")
    public static let ascii = Glyphs(horizontal: "-", vertical: "|", topLeft: "+", topRight: "+", bottomLeft: "+",
                                     bottomRight: "+", teeLeft: "+", teeRight: "+", gaugeFull: "#", gaugeEmpty: ".",
                                     sparks: ["_", "_", ".", ".", "-", "-", "^", "^"], ellipsis: "~",
                                     ascending: "^", descending: "v", mark: "*")

    /// Unicode when the locale says UTF-8 and TERM is not a known-limited one.
    public static func detect(environment: [String: String]) -> Glyphs {
        let locale = environment["LC_ALL"].flatMap { $0.isEmpty ? nil : $0 }
            ?? environment["LC_CTYPE"].flatMap { $0.isEmpty ? nil : $0 } ?? environment["LANG"] ?? ""
        let utf8 = locale.uppercased().contains("UTF-8") || locale.uppercased().contains("UTF8")
        let term = environment["TERM"] ?? ""
        let limited = ["linux", "vt100", "vt220", "dumb", "ansi", "cons25"].contains(term)
        return utf8 && !limited ? .unicode : .ascii
    }
}
