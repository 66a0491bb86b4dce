import TermUI

/// A text to read: a domain's XML, a container's logs, a report, a Log row in full.
public struct TextDialog: Dialog, Equatable {
    public let title: String
    public let lines: [String]
    public var offset = 0

    public init(title: String, lines: [String]) { (self.title, self.lines) = (title, lines) }

    public init(title: String, text: String) {
        self.init(title: title, lines: text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
    }

    public func handle(_ key: Key, in state: inout AppState) -> [Effect] {
        var next = self
        guard let offset = scroll(offset, key, count: lines.count) else {
            state.modal = nil
            return []
        }
        next.offset = offset
        state.modal = next
        return []
    }

    public var hints: [(String, String)] { Self.scrollingHints }

    public func draw(_ buffer: inout Buffer, _ state: AppState, theme: Theme, glyphs: Glyphs) {
        scrollingText(&buffer, title: title, lines: lines.map { StyledLine($0, theme[.modal]) }, offset: offset,
                      theme: theme, glyphs: glyphs)
    }
}
