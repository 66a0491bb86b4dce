import Foundation

/// Semantic roles: what a thing on screen is. Themes map roles to styles (as htop's ColorElements do).
public enum Role: String, CaseIterable, Sendable {
    case text, dim, header, headerNote = "header-note", border, borderFocused = "border-focused"
    case title, titleFocused = "title-focused", columnHeader = "column-header"
    case selected, selectedUnfocused = "selected-unfocused"
    case stateRunning = "state-running", statePaused = "state-paused", stateOff = "state-off"
    case stateCrashed = "state-crashed", stateOther = "state-other"
    case gauge, gaugeHigh = "gauge-high", gaugeEmpty = "gauge-empty", sparkline
    case statusInfo = "status-info", statusWarning = "status-warning", statusError = "status-error"
    case footerKey = "footer-key", footerText = "footer-text"
    case help, helpKey = "help-key", modal, modalBorder = "modal-border", input, filter
}

/// A named mapping of roles to styles, loaded from a declarative file in `themes/`.
public struct Theme: Sendable, Equatable {
    public let name: String
    public private(set) var styles: [Role: Style]

    public init(name: String, styles: [Role: Style]) {
        self.name = name
        self.styles = styles
    }

    public subscript(role: Role) -> Style { styles[role] ?? .plain }

    /// Every colour brought to what the terminal can show; `count` 0 or less means no colour (NO_COLOR, mono).
    public func reduced(toColors count: Int) -> Theme {
        var copy = self
        for (role, style) in styles {
            copy.styles[role] = count <= 0 ? Style(.default, on: .default, Self.monoAttributes(role, style))
                : Style(style.foreground.reduced(toColors: count), on: style.background.reduced(toColors: count),
                        style.attributes)
        }
        return copy
    }

    /// Without colour, selection and headers must still stand out: keep or add reverse/bold.
    static func monoAttributes(_ role: Role, _ style: Style) -> Attributes {
        switch role {
        case .selected, .header, .footerKey, .input, .gauge, .gaugeHigh: return style.attributes.union(.reverse)
        case .borderFocused, .titleFocused, .statusError, .stateCrashed, .helpKey: return style.attributes.union(.bold)
        default: return style.attributes
        }
    }

    /// The theme every other one starts from, and the one used when a theme file is refused.
    public static let builtIn: Theme = {
        var styles: [Role: Style] = [:]
        for role in Role.allCases { styles[role] = .plain }
        let defaults: [(Role, Style)] = [
            (.dim, Style(.ansi(8))), (.header, Style(.black, on: .cyan)), (.headerNote, Style(.black, on: .yellow, .bold)),
            (.border, Style(.ansi(8))), (.borderFocused, Style(.cyan, on: .default, .bold)),
            (.title, Style(.default, on: .default, .bold)), (.titleFocused, Style(.cyan, on: .default, .bold)),
            (.columnHeader, Style(.default, on: .default, [.bold, .underline])),
            (.selected, Style(.black, on: .cyan)), (.selectedUnfocused, Style(.default, on: .default, .reverse)),
            (.stateRunning, Style(.green)), (.statePaused, Style(.yellow)), (.stateOff, Style(.ansi(8))),
            (.stateCrashed, Style(.red, on: .default, .bold)), (.stateOther, Style(.magenta)),
            (.gauge, Style(.green)), (.gaugeHigh, Style(.red)), (.gaugeEmpty, Style(.ansi(8))), (.sparkline, Style(.cyan)),
            (.statusInfo, Style(.green)), (.statusWarning, Style(.yellow, on: .default, .bold)),
            (.statusError, Style(.white, on: .red, .bold)), (.footerKey, Style(.black, on: .cyan)),
            (.footerText, Style(.default)), (.helpKey, Style(.cyan, on: .default, .bold)),
            (.modalBorder, Style(.yellow, on: .default, .bold)), (.input, Style(.black, on: .white)),
            (.filter, Style(.yellow, on: .default, .bold)),
        ]
        for (role, style) in defaults { styles[role] = style }
        return Theme(name: "default", styles: styles)
    }()
}

/// A theme file that cannot be used: where and why.
public struct ThemeError: Error, Sendable, Equatable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let message: String

    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }
}

/// Theme files: one `role = [foreground] [on background] [attribute ...]` per line, `#` comments.
/// Roles not named keep the built-in style; an unknown role, colour or attribute refuses the whole file.
public enum ThemeFile {
    static let colorNames: [String: Color] = [
        "default": .default, "black": .ansi(0), "red": .ansi(1), "green": .ansi(2), "yellow": .ansi(3),
        "blue": .ansi(4), "magenta": .ansi(5), "cyan": .ansi(6), "white": .ansi(7), "gray": .ansi(8), "grey": .ansi(8),
        "bright-black": .ansi(8), "bright-red": .ansi(9), "bright-green": .ansi(10), "bright-yellow": .ansi(11),
        "bright-blue": .ansi(12), "bright-magenta": .ansi(13), "bright-cyan": .ansi(14), "bright-white": .ansi(15),
    ]
    static let attributeNames: [String: Attributes] = [
        "bold": .bold, "dim": .dim, "underline": .underline, "reverse": .reverse, "italic": .italic, "plain": [],
    ]

    public static func parse(_ text: String, name: String, file: String) throws -> Theme {
        var theme = Theme.builtIn
        var styles = theme.styles
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first
                .map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            if line.isEmpty { continue }
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty else {
                throw ThemeError(file: file, line: lineNumber, message: "expected 'role = colour [on colour] [bold ...]'")
            }
            guard let role = Role(rawValue: parts[0]) else {
                throw ThemeError(file: file, line: lineNumber, message: "unknown role '\(parts[0])' (known: "
                                 + Role.allCases.map(\.rawValue).joined(separator: ", ") + ")")
            }
            styles[role] = try style(parts[1], file: file, line: lineNumber)
        }
        theme = Theme(name: name, styles: styles)
        return theme
    }

    static func style(_ spec: String, file: String, line: Int) throws -> Style {
        var style = Style()
        var words = spec.lowercased().split(separator: " ").map(String.init)[...]
        func color(_ word: String) throws -> Color {
            if let named = colorNames[word] { return named }
            if word.hasPrefix("color"), let n = Int(word.dropFirst(5)), (0...255).contains(n) {
                return n < 16 ? .ansi(UInt8(n)) : .indexed(UInt8(n))
            }
            throw ThemeError(file: file, line: line, message: "unknown colour '\(word)' (use a name such as red or "
                             + "bright-blue, default, or color0 to color255)")
        }
        if let first = words.first, attributeNames[first] == nil, first != "on" {
            style.foreground = try color(first)
            words = words.dropFirst()
        }
        if words.first == "on" {
            words = words.dropFirst()
            guard let background = words.first else {
                throw ThemeError(file: file, line: line, message: "'on' needs a background colour")
            }
            style.background = try color(background)
            words = words.dropFirst()
        }
        for word in words {
            guard let attribute = attributeNames[word] else {
                throw ThemeError(file: file, line: line, message: "unknown attribute '\(word)' (use bold, dim, "
                                 + "underline, reverse, italic)")
            }
            style.attributes.insert(attribute)
        }
        return style
    }

}
