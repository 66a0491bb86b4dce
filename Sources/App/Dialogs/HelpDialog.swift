import TermUI

/// Every key, pane by pane (? or F1), drawn from the same key table the keys use.
public struct HelpDialog: Dialog, Equatable {
    public var offset = 0

    public func handle(_ key: Key, in state: inout AppState) -> [Effect] {
        guard let offset = scroll(offset, key, count: helpLines(state, theme: .builtIn).count) else {
            state.modal = nil
            return []
        }
        state.modal = HelpDialog(offset: offset)
        return []
    }

    public var hints: [(String, String)] { Self.scrollingHints }

    public func draw(_ buffer: inout Buffer, _ state: AppState, theme: Theme, glyphs: Glyphs) {
        scrollingText(&buffer, title: "Keys", lines: helpLines(state, theme: theme), offset: offset, theme: theme,
                      glyphs: glyphs)
    }
}

/// The help screen, built from the key map: the keys that work anywhere, then each pane's under its name
/// and number, and a note on the keys a read-only connection hides.
func helpLines(_ state: AppState, theme: Theme) -> [StyledLine] {
    func lines(_ bindings: [Binding]) -> [StyledLine] {
        bindings.map { binding in
            let keys = binding.keys.map(\.label).joined(separator: " ")
            var summary = binding.summary
            if binding.mutates && state.readOnly { summary += "  (not on a read-only connection)" }
            return StyledLine([.init(DisplayWidth.fit(keys, to: 10) + " ", theme[.helpKey]),
                               .init(summary, theme[binding.mutates && state.readOnly ? .dim : .help])])
        }
    }
    var help = lines(Keymap.global + Keymap.last)
    for (index, feature) in Panes.all.enumerated() where !feature.bindings.isEmpty {
        help += [StyledLine("", theme[.help]), StyledLine("\(feature.title) (\(index + 1))", theme[.title])]
        help += lines(feature.bindings)
    }
    help.append(StyledLine("", theme[.help]))
    help += ["In the filter (/): type to narrow by name, Enter keeps it, Esc clears it.",
             "In dialogs: y/n to confirm, Esc cancels; delete asks you to type the VM's name.",
             "Start with --theme NAME, --delay SECONDS, --read-only, --uri URI; NO_COLOR is honoured."]
        .map { StyledLine($0, theme[.help]) }
    return help
}

