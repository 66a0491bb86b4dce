/// A command line shown to a learner (`--explain`, the Log, a confirmation): built from words, never by replacing
/// text in a line, and every word a user or a VM contributed is quoted for a POSIX shell when printed. So a VM
/// named `COUNT` stays a name, and one named `a b;c` is one word that is safe to paste.
public enum ShellWords {
    /// `word` as a POSIX shell reads it back: as it is when it holds only safe characters, else in single quotes.
    public static func quoted(_ word: String) -> String {
        let safe = word.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "_@%+=:,./-".unicodeScalars.contains(scalar))
        }
        if safe && !word.isEmpty { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// A command of plain words, each quoted as needed.
    public static func line(_ words: [String]) -> String { words.map(quoted).joined(separator: " ") }
}

/// The command that does the same as an action, as the action table states it: fixed words, slots for the
/// action's values, and parts present only when the action asks for them.
public struct CommandTemplate: Sendable, Equatable {
    /// A value the action fills in; its raw value is what the generic form (`virsh start NAME`) shows.
    public enum Slot: String, Sendable, Hashable {
        case name = "NAME", newName = "NEW", snapshot = "SNAPSHOT", count = "COUNT", mebibytes = "MIB"
        case file = "FILE", target = "TARGET", network = "NET", mac = "MAC", sizeGiB = "GIB", text = "TEXT"
        case uri = "URI", image = "IMAGE", seconds = "SECONDS", device = "DEVICE"
    }

    /// A part present only when the action says so: `[--live]` in the generic form.
    public enum Switch: String, Sendable, Hashable {
        case live, disable, removeStorage, sanitize, create, description, force, grace
    }

    public indirect enum Word: Sendable, Equatable {
        /// Fixed text: a program, an option, `&&`. Printed as written.
        case fixed(String)
        /// A value, quoted when printed; `suffix` is fixed text glued to it (`256` + `M`).
        case slot(Slot, suffix: String = "")
        /// Several words glued into one (`backing_store=IMAGE,format=qcow2`), quoted as one.
        case glued([Word])
        /// Words present only when the switch is on.
        case when(Switch, [Word])
    }

    public let words: [Word]

    public init(_ words: [Word]) { self.words = words }

    /// `"virsh start"` then slots: the common shape, written briefly in the table.
    public init(_ fixed: String, _ rest: Word...) {
        words = fixed.split(separator: " ").map { .fixed(String($0)) } + rest
    }

    /// What the action fills in.
    public struct Values: Sendable {
        public var slots: [Slot: String]
        public var switches: Set<Switch>

        public init(_ slots: [Slot: String] = [:], on switches: Set<Switch> = []) {
            self.slots = slots
            self.switches = switches
        }
    }

    /// The line for these values; with `uri`, every `virsh` is told the connection (`virsh -c URI`).
    public func line(_ values: Values, uri: String? = nil) -> String {
        render(words, values: values, uri: uri.flatMap { $0.isEmpty ? nil : $0 }).joined(separator: " ")
    }

    /// The same for one machine or container and nothing else to fill in.
    public func line(name: String, uri: String? = nil) -> String { line(Values([.name: name]), uri: uri) }

    /// The table's own form, for help and for a dialog about many VMs: `virsh setvcpus NAME COUNT --config [--live]`.
    public var generic: String { generic(words).joined(separator: " ") }

    /// Each word as printed; inside a glued word (`quoting` off) the parts are joined first and quoted as one.
    private func render(_ words: [Word], values: Values, uri: String?, quoting: Bool = true) -> [String] {
        func quote(_ text: String) -> String { quoting ? ShellWords.quoted(text) : text }
        return words.flatMap { word -> [String] in
            switch word {
            case .fixed("virsh") where uri != nil: ["virsh", "-c", quote(uri!)]
            case .fixed(let text): [text]
            case .slot(let slot, let suffix): [quote((values.slots[slot] ?? slot.rawValue) + suffix)]
            case .glued(let parts): [quote(render(parts, values: values, uri: nil, quoting: false).joined())]
            case .when(let condition, let inner):
                values.switches.contains(condition) ? render(inner, values: values, uri: uri, quoting: quoting) : []
            }
        }
    }

    private func generic(_ words: [Word]) -> [String] {
        words.flatMap { word -> [String] in
            switch word {
            case .fixed(let text): [text]
            case .slot(let slot, let suffix): [slot.rawValue + suffix]
            case .glued(let parts): [generic(parts).joined()]
            case .when(_, let inner): ["[" + generic(inner).joined(separator: " ") + "]"]
            }
        }
    }
}
