/// What the terminal gives the app besides nothing: a key, or a new size.
public enum TerminalInput: Sendable, Equatable {
    case key(Key)
    case resize(Size)
}
