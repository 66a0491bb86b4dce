/// When an action applies, whether it asks first, what it is called on the command line and which virsh or podman
/// command does the same (shown to learners beside the action): what the command line (`virtlab vm start`) and
/// the dashboard (`u`) both read, so the two cannot differ.
public struct ActionRule<State: ActionState>: Sendable {
    /// "shut down", as in "cannot shut down 'web1'".
    public let verb: String
    /// "asked to shut down", as in the command line's "asked to shut down web1".
    public let done: String
    /// The states it applies to; nil: any.
    public let allowedFrom: Set<State>?
    /// What to do instead when the state forbids it.
    public let hint: String?
    /// Why the dashboard asks before doing it; nil: it does not ask.
    public let warning: String?
    /// The command that does the same: fixed words and the action's values.
    public let command: CommandTemplate
    /// Its own subcommand (`virtlab vm destroy`), when it has one.
    public let commandLine: CommandLineHelp?

    public init(_ verb: String, done: String, from allowed: Set<State>? = nil, hint: String? = nil, warning: String? = nil,
                same command: CommandTemplate, commandLine: CommandLineHelp? = nil) {
        self.verb = verb
        self.done = done
        self.allowedFrom = allowed
        self.hint = hint
        self.warning = warning
        self.command = command
        self.commandLine = commandLine
    }

    public func allows(_ state: State) -> Bool { allowedFrom?.contains(state) ?? true }

    /// Why it cannot be done to `name` now, or nil when it can.
    public func refusal(_ name: String, _ state: State) -> String? {
        guard !allows(state) else { return nil }
        return "cannot \(verb) '\(name)': it is \(state.label)" + (hint.map { "; \($0)" } ?? "")
    }
}

/// An action's subcommand: its name and the help line `--help` shows; the rest of its help comes from the rule.
public struct CommandLineHelp: Sendable {
    public let name: String
    public let abstract: String
    public let discussion: String

    public init(_ name: String, _ abstract: String, discussion: String = "") {
        self.name = name
        self.abstract = abstract
        self.discussion = discussion
    }
}

/// A state that an action rule can name in a refusal.
public protocol ActionState: Hashable, Sendable, CaseIterable {
    var label: String { get }
}

extension MachineState: ActionState {
    /// A hypervisor process is there to shut down, reboot, force off or attach to.
    public static let live: Set<MachineState> = [.running, .blocked, .paused, .shuttingDown, .pmSuspended]
}

extension ContainerRunState: ActionState {
    public var label: String { rawValue }
}

extension NetworkState: ActionState {
    public var label: String { rawValue }
}

/// One action of a table, in a file of its own: its rule (once per kind), the words and values it shows, and what it
/// does to its subject through `Subject`, the port the services implement (the app never touches a driver).
public protocol TableAction: Sendable, Equatable {
    associatedtype State: ActionState
    static var rule: ActionRule<State> { get }
    /// Words for status lines and dialogs with the action's values: "revert to snapshot 'clean'".
    var verb: String { get }
    /// Why a confirmation asks before doing it, with the action's values; nil: it does not ask.
    var warning: String? { get }
    /// What the rule's command leaves for the action to fill in, beside the subject's name.
    var values: CommandTemplate.Values { get }
}

extension TableAction {
    public var verb: String { Self.rule.verb }
    public var warning: String? { Self.rule.warning }
    public var values: CommandTemplate.Values { CommandTemplate.Values() }

    /// The command that does the same to `name`; with `uri`, as typed on that connection (`virsh -c URI`).
    public func command(for name: String, uri: String? = nil) -> String {
        var values = self.values
        values.slots[.name] = name
        return Self.rule.command.line(values, uri: uri)
    }

    /// Equality across the table's types, for the type-erased action the app passes around.
    func isSame(as other: any TableAction) -> Bool { (other as? Self) == self }
}

/// An action with nothing to fill in but its subject (`virtlab vm start NAME`): the command line makes one
/// subcommand for each of these from its rule alone.
public protocol PlainAction: TableAction {
    init()
}

/// The table does not allow the action from the subject's state: the table's own words.
public struct ActionRefused: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
