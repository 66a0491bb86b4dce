/// A terminal colour: the terminal's own default, one of the 16 ANSI colours, or one of 256.
public enum Color: Sendable, Hashable {
    case `default`
    case ansi(UInt8)      // 0...15
    case indexed(UInt8)   // 16...255

    public static let black = Color.ansi(0), red = Color.ansi(1), green = Color.ansi(2), yellow = Color.ansi(3)
    public static let blue = Color.ansi(4), magenta = Color.ansi(5), cyan = Color.ansi(6), white = Color.ansi(7)

    /// The nearest colour a terminal with `count` colours can show (8, 16 or 256).
    public func reduced(toColors count: Int) -> Color {
        switch self {
        case .default: return self
        case .ansi(let n): return count >= 16 || n < 8 ? self : .ansi(n - 8)
        case .indexed(let n):
            if count >= 256 { return self }
            let nearest = Color.nearestANSI(toIndexed: n)
            return Color.ansi(nearest).reduced(toColors: count)
        }
    }

    /// xterm's 256-colour cube and grey ramp, mapped to the closest of the 16 ANSI colours.
    static func nearestANSI(toIndexed n: UInt8) -> UInt8 {
        let rgb: (Int, Int, Int)
        if n >= 232 {
            let grey = 8 + Int(n - 232) * 10
            rgb = (grey, grey, grey)
        } else {
            let i = Int(n) - 16
            let levels = [0, 95, 135, 175, 215, 255]
            rgb = (levels[i / 36], levels[(i / 6) % 6], levels[i % 6])
        }
        let palette: [(Int, Int, Int)] = [(0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205),
                                          (0, 205, 205), (229, 229, 229), (127, 127, 127), (255, 0, 0), (0, 255, 0),
                                          (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255)]
        let distance = { (c: (Int, Int, Int)) in
            (c.0 - rgb.0) * (c.0 - rgb.0) + (c.1 - rgb.1) * (c.1 - rgb.1) + (c.2 - rgb.2) * (c.2 - rgb.2)
        }
        return UInt8(palette.indices.min { distance(palette[$0]) < distance(palette[$1]) } ?? 7)
    }
}

public struct Attributes: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let bold = Attributes(rawValue: 1 << 0)
    public static let dim = Attributes(rawValue: 1 << 1)
    public static let underline = Attributes(rawValue: 1 << 2)
    public static let reverse = Attributes(rawValue: 1 << 3)
    public static let italic = Attributes(rawValue: 1 << 4)
}

public struct Style: Sendable, Hashable {
    public var foreground: Color
    public var background: Color
    public var attributes: Attributes

    public init(_ foreground: Color = .default, on background: Color = .default, _ attributes: Attributes = []) {
        self.foreground = foreground
        self.background = background
        self.attributes = attributes
    }

    public static let plain = Style()

    /// This style drawn over `base`: default colours let the base show through.
    public func over(_ base: Style) -> Style {
        Style(foreground == .default ? base.foreground : foreground,
              on: background == .default ? base.background : background, attributes.union(base.attributes))
    }
}
