import TermUI

/// A dialog over the panes: what its keys do and what it shows, in one file — generic ones under Dialogs/, a
/// pane's own in the pane's folder. Whoever opens one sets `state.modal`; nothing else lists the dialogs.
public protocol Dialog: Sendable {
    /// A key while the dialog is open: it may change the dialog or close it (`state.modal`), and ask for effects.
    func handle(_ key: Key, in state: inout AppState) -> [Effect]
    func draw(_ buffer: inout Buffer, _ state: AppState, theme: Theme, glyphs: Glyphs)
    /// The footer's keys while it is open: (key, what it does).
    var hints: [(String, String)] { get }
}

extension Dialog {
    static var scrollingHints: [(String, String)] { [("↑↓ PgUp PgDn", "scroll"), ("q/Esc", "close")] }
    static func formHints(_ submit: String) -> [(String, String)] {
        [("Enter", submit), ("Tab", "next field"), ("Esc", "cancel")]
    }
}

/// One line of typed text, as the prompts take it: printable keys append (up to `limit` characters),
/// Backspace takes the last one away.
struct TextField: Sendable, Equatable {
    var text: String
    let limit: Int

    init(_ text: String = "", limit: Int = 128) { (self.text, self.limit) = (text, limit) }

    var trimmed: String { text.trimmingCharacters(in: .whitespaces) }

    /// True when the key was an edit.
    mutating func edit(_ key: Key) -> Bool {
        switch key {
        case .backspace: if !text.isEmpty { text.removeLast() }
        case .character(let c) where text.count < limit: text.append(c)
        default: return false
        }
        return true
    }
}

/// A form's keys: Tab or the arrows move between fields, typing edits the one in focus, Enter submits, Esc
/// cancels. `submit` answers Enter; the form stays open when it refuses.
func handleForm<D: Dialog>(_ dialog: D, _ form: WritableKeyPath<D, Form>, _ key: Key, in state: inout AppState,
                           submit: (D, inout AppState) -> [Effect]) -> [Effect] {
    var dialog = dialog
    switch dialog[keyPath: form].edit(key) {
    case .cancel: state.modal = nil
    case .edited: state.modal = dialog
    case .submit: return submit(dialog, &state)
    }
    return []
}

/// Scrolling in a text dialog; nil means the key closes it.
func scroll(_ offset: Int, _ key: Key, count: Int) -> Int? {
    let last = max(0, count - 1)
    switch key {
    case .escape, .character("q"), .enter, .character("?"): return nil
    case .up, .character("k"): return max(0, offset - 1)
    case .down, .character("j"): return min(last, offset + 1)
    case .pageUp, .control("b"): return max(0, offset - 10)
    case .pageDown, .control("f"), .character(" "): return min(last, offset + 10)
    case .home, .character("g"): return 0
    case .end, .character("G"): return last
    default: return offset
    }
}
