import Classroom
import Foundation
import LabFormat
import LabGrader
import Yams

/// What the user (or the fleet's administrator) set once instead of on every command: the user's
/// `$XDG_CONFIG_HOME/virtlab/config.yaml` over the system's `$XDG_CONFIG_DIRS/virtlab/config.yaml`
/// (`/etc/xdg/virtlab/config.yaml`), both under the command line and the environment. A file with a mistake is
/// one line naming it at file:line:column, and is left out whole: its settings fall back to the defaults.
public struct Settings: Sendable {
    /// A setting's value and where it came from: "default", or FILE:LINE.
    public struct Setting<Value: Sendable>: Sendable {
        public let value: Value
        public let source: String
    }

    /// The hosts to open when no `--uri` and no `LIBVIRT_DEFAULT_URI` say otherwise (the dashboard opens all).
    public private(set) var connections = Setting<[String]>(value: [], source: "default")
    /// Seconds between the dashboard's refreshes, when `--delay` is not given.
    public private(set) var refresh = Setting<Double>(value: 2, source: "default")
    /// The dashboard's theme, when neither `--theme` nor `VIRTLAB_THEME` is given.
    public private(set) var theme = Setting<String?>(value: nil, source: "default")
    /// Open every connection read-only, whatever the command.
    public private(set) var readOnly = Setting<Bool>(value: false, source: "default")
    /// Directories of the user's own labs, searched before `--labs` and the data directories.
    public private(set) var labs = Setting<[String]>(value: [], source: "default")
    /// The container engine's socket (`unix:///PATH`), when `DOCKER_HOST` is not set.
    public private(set) var engine = Setting<String?>(value: nil, source: "default")
    /// How many student hosts a class reaches at once, where its class.yaml does not say.
    public private(set) var classParallelism = Setting<Int>(value: ClassDefaults().parallelism, source: "default")
    /// Seconds one student host may take, where a class.yaml does not say.
    public private(set) var classHostTimeout = Setting<Int>(value: ClassDefaults().hostTimeoutSeconds, source: "default")

    /// The files read, in the order applied (the system's, then the user's), and the one-line problems of those
    /// left out.
    public private(set) var files: [String] = []
    public private(set) var problems: [String] = []

    public static let keys = ["connections", "refresh", "theme", "read_only", "labs", "engine", "class_parallelism",
                              "class_host_timeout"]

    /// The settings in effect for this process, read once.
    public static let current = Settings(environment: ProcessInfo.processInfo.environment)

    /// What a class directory whose class.yaml leaves them out uses.
    public var classDefaults: ClassDefaults {
        ClassDefaults(parallelism: classParallelism.value, hostTimeoutSeconds: classHostTimeout.value)
    }

    private init() {}

    /// One file, checked as it would be read (for `class install --config`, before it goes to every host).
    public static func check(file: String) throws {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw UserFacingError("cannot read \(file) (a config.yaml: see 'virtlab config show --help')")
        }
        var settings = Settings()
        do { try settings.apply(text, file: file) } catch { throw UserFacingError("\(error)") }
    }

    public init(environment: [String: String]) {
        for file in Self.files(environment: environment) where FileManager.default.fileExists(atPath: file) {
            do {
                guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                    throw Problem(file: file, line: 1, column: 1, message: "cannot be read as UTF-8 text")
                }
                var next = self
                try next.apply(text, file: file)
                self = next
                files.append(file)
            } catch let problem as Problem {
                problems.append("\(problem); its settings are not used")
            } catch {
                problems.append("\(file): \(error); its settings are not used")
            }
        }
    }

    /// The system's files first (the last of `$XDG_CONFIG_DIRS` first, as the first one wins), then the user's.
    static func files(environment: [String: String]) -> [String] {
        let user = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "\(environment["HOME"] ?? NSHomeDirectory())/.config"
        let system = (environment["XDG_CONFIG_DIRS"].flatMap { $0.isEmpty ? nil : $0 } ?? "/etc/xdg").split(separator: ":")
        return (system.reversed().map(String.init) + [user]).map { "\($0)/virtlab/config.yaml" }
    }

    /// The lab catalog with the user's lab directories (trusted: the user named them) and the command line's.
    public func labCatalog(extra: [String] = []) -> LabCatalog { LabCatalog(trusted: labs.value, extra: extra) }

    /// Every setting as `virtlab config show` prints it: name, value, where it came from.
    public var shown: [(name: String, value: String, source: String)] {
        [("connections", connections.value.isEmpty ? "-" : connections.value.joined(separator: ", "), connections.source),
         ("refresh", "\(refresh.value) s", refresh.source),
         ("theme", theme.value ?? "-", theme.source),
         ("read_only", readOnly.value ? "yes" : "no", readOnly.source),
         ("labs", labs.value.isEmpty ? "-" : labs.value.joined(separator: ", "), labs.source),
         ("engine", engine.value ?? "-", engine.source),
         ("class_parallelism", "\(classParallelism.value) hosts at once", classParallelism.source),
         ("class_host_timeout", "\(classHostTimeout.value) s", classHostTimeout.source)]
    }

    struct Problem: Error, CustomStringConvertible {
        let file: String, line: Int, column: Int, message: String
        var description: String { "\(file):\(line):\(column): \(message)" }
    }

    private mutating func apply(_ text: String, file: String) throws {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            let said = LabLoader.diagnostic(for: error, file: file)
            throw Problem(file: file, line: said.line, column: said.column, message: said.message)
        }
        guard let root else { return }  // an empty file sets nothing
        guard let mapping = root.mapping else { throw problem(root, file, "expected 'setting: value' lines") }
        for (keyNode, value) in mapping {
            let key = keyNode.scalar?.string ?? ""
            let source = "\(file):\((keyNode.mark?.line ?? 0))"
            switch key {
            case "connections":
                let uris = try strings(value, file, key)
                for uri in uris where !Self.isURI(uri) {
                    throw problem(value, file, "'\(uri)' is not a libvirt URI (e.g. qemu:///system, qemu+ssh://host/system)")
                }
                connections = Setting(value: uris, source: source)
            case "refresh":
                guard let seconds = value.scalar.flatMap({ Double.construct(from: $0) }), (0.5...60).contains(seconds) else {
                    throw problem(value, file, "'refresh' is seconds between refreshes, 0.5 to 60")
                }
                refresh = Setting(value: seconds, source: source)
            case "theme":
                guard let name = value.scalar?.string, !name.isEmpty else { throw problem(value, file, "'theme' is a theme's name or file") }
                theme = Setting(value: name, source: source)
            case "read_only":
                guard let on = value.scalar.flatMap({ Bool.construct(from: $0) }) else { throw problem(value, file, "'read_only' is true or false") }
                readOnly = Setting(value: on, source: source)
            case "labs":
                labs = Setting(value: try strings(value, file, key).map { ($0 as NSString).expandingTildeInPath }, source: source)
            case "engine":
                guard let socket = value.scalar?.string, socket.hasPrefix("unix://"), socket.count > 7 else {
                    throw problem(value, file, "'engine' is the engine's socket as unix:///PATH")
                }
                engine = Setting(value: socket, source: source)
            case "class_parallelism":
                classParallelism = Setting(value: try count(value, file, key, in: 1...256, what: "hosts reached at once"), source: source)
            case "class_host_timeout":
                classHostTimeout = Setting(value: try count(value, file, key, in: 1...3600, what: "seconds one host may take"),
                                           source: source)
            default:
                throw problem(keyNode, file, "unknown setting '\(key)' (the settings: \(Self.keys.joined(separator: ", ")))")
            }
        }
    }

    /// A scheme, "://" and the rest, as every libvirt URI has (qemu:///system, test:///default, qemu+ssh://h/system).
    static func isURI(_ text: String) -> Bool {
        guard let colon = text.range(of: "://"), colon.lowerBound > text.startIndex else { return false }
        return text[..<colon.lowerBound].allSatisfy { $0.isLetter || $0.isNumber || $0 == "+" } && !text.contains(" ")
    }

    private func count(_ node: Node, _ file: String, _ key: String, in range: ClosedRange<Int>, what: String) throws -> Int {
        guard let number = node.scalar.flatMap({ Int.construct(from: $0) }), range.contains(number) else {
            throw problem(node, file, "'\(key)' is \(what), \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    private func strings(_ node: Node, _ file: String, _ key: String) throws -> [String] {
        if let one = node.scalar { return [one.string] }
        guard let sequence = node.sequence, sequence.allSatisfy({ $0.scalar != nil }) else {
            throw problem(node, file, "'\(key)' is a list: [a, b]")
        }
        return sequence.compactMap { $0.scalar?.string }
    }

    private func problem(_ node: Node, _ file: String, _ message: String) -> Problem {
        Problem(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1, message: message)
    }
}
