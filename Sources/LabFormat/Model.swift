/// A lab as loaded from its file: structure checked, values typed. Primitive fields stay keyed by name;
/// the grader gives them meaning.
public struct Lab: Sendable, Equatable {
    public let file: String
    /// The text it was loaded from: what a submitted result's lab digest is computed over.
    public let source: String
    public let id: String
    public let title: String
    public let objectives: [String]
    public let description: String
    public let requirements: [Requirement]
    /// Per-student values: name -> template ("lab-{student}-{hash}").
    public let parameters: [String: String]
    /// What `lab up` makes; nil when the lab works on what the student has.
    public let environment: Environment?
    public let steps: [Step]

    public var checkCount: Int { steps.reduce(0) { $0 + $1.checks.count } }
    public var points: Int { steps.reduce(0) { $0 + $1.checks.reduce(0) { $0 + $1.points } } }
}

public struct Step: Sendable, Equatable {
    public let id: String
    public let title: String
    public let instructions: String
    public let hints: [String]
    public let setup: StepAction?
    public let cleanup: StepAction?
    public let solve: StepAction?
    public let checks: [Check]
}

public struct Check: Sendable, Equatable {
    public let id: String
    public let title: String
    public let points: Int
    public let target: Target
    public let needs: [String]
    /// Seconds.
    public let timeout: Double
    public let retries: Int
    public let retryDelay: Double
    public let failure: String?
    /// Which primitive: "command", "file", "domain", ...
    public let primitive: String
    public let fields: [String: FieldValue]
}

public enum Target: Sendable, Equatable, CustomStringConvertible {
    case host
    /// A guest on the lab's libvirt connection, or on another host's (`vm:NAME@URI`: where a VM went after a move).
    case vm(String, on: String? = nil)
    case container(String)

    public var description: String {
        switch self {
        case .host: "host"
        case .vm(let name, let uri): "vm:\(name)" + (uri.map { "@" + $0 } ?? "")
        case .container(let name): "container:\(name)"
        }
    }
}

/// A step's setup, solve or cleanup: a command and where it runs (the host unless the lab says).
public struct StepAction: Sendable, Equatable {
    public let command: CommandSpec
    public let target: Target
}

/// A command: an argument list (never pasted into a shell), or an explicit shell line.
public enum CommandSpec: Sendable, Equatable {
    case argv([String])
    case shell(String)

    /// What is executed: the arguments as given, or `sh -c` with the line.
    public var words: [String] {
        switch self {
        case .argv(let words): words
        case .shell(let line): ["/bin/sh", "-c", line]
        }
    }
}

public indirect enum Matcher: Sendable, Equatable {
    case equals(String)
    case contains(String)
    case regex(String)
    case not(Matcher)
    case number(NumericComparison, Double)
    /// Several conditions given in one mapping: all must hold.
    case all([Matcher])

    public enum NumericComparison: String, Sendable {
        case eq, ne, gt, ge, lt, le
    }
}

public enum FieldValue: Sendable, Equatable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case strings([String])
    case seconds(Double)
    case matcher(Matcher)
    case command(CommandSpec)
}
