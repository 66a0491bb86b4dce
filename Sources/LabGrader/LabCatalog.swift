import BuiltIn
import Foundation
import LabFormat
import HostDoctor

/// Where labs are found, first first: the lab files teachers released to this host
/// (`$XDG_DATA_HOME/virtlab/releases`: a released lab is graded as it was sent), the class's own (a teacher's
/// class directory `labs/`), directories given with `--labs`, the user's data directory
/// (`$XDG_DATA_HOME/virtlab/labs`), the system's (`$XDG_DATA_DIRS`: `/usr/local/share/virtlab/labs`,
/// `/usr/share/virtlab/labs`), then the labs built into virtlab. A lab id found twice keeps the first.
public struct LabCatalog {
    /// The directories searched that exist (the built-in set is not a directory).
    public let directories: [String]
    /// Directories given on the command line: their labs are shown before they first run.
    public let untrusted: Set<String>

    /// What `Lab.file` says for a built-in lab: no file on disk has it.
    public static let builtInPrefix = "built-in:"

    /// - trusted: directories of labs the user wrote (a class's `labs/`), searched before `extra`.
    /// - extra: directories given on the command line, whose labs are shown before they first run.
    public init(trusted: [String] = [], extra: [String] = [], environment: [String: String] = ProcessInfo.processInfo.environment) {
        var seen = Set<String>()
        directories = ([DataDirectories.user("releases", environment: environment)] + trusted + extra
                       + DataDirectories.search("labs", environment: environment))
            .filter { FileManager.default.fileExists(atPath: $0) && seen.insert($0).inserted }
        untrusted = Set(extra).subtracting(trusted)
    }

    /// The same search with `directories` (trusted) before the others.
    public func adding(trusted directories: [String], environment: [String: String] = ProcessInfo.processInfo.environment) -> LabCatalog {
        LabCatalog(trusted: directories, extra: Array(untrusted), environment: environment)
    }

    /// Where a lab came from, for `lab list`: its directory, or "built in".
    public static func origin(of lab: Lab) -> String {
        lab.file.hasPrefix(builtInPrefix) ? "built in" : (lab.file as NSString).deletingLastPathComponent
    }

    public func isTrusted(_ lab: Lab) -> Bool {
        !untrusted.contains((lab.file as NSString).deletingLastPathComponent)
    }

    /// Every command a lab would run, as a reviewer reads them: with a placeholder student, or with `parameters`.
    public static func commands(of lab: Lab, parameters given: Parameters? = nil) -> [String] {
        let parameters = given ?? Parameters(lab: lab, student: "STUDENT")
        func described(_ command: CommandSpec, on target: Target) -> String {
            HostProcess.describe(parameters.expand(command), on: parameters.expand(target))
        }
        var lines: [String] = []
        for step in lab.steps {
            for (label, spec) in [("setup", step.setup), ("solve", step.solve), ("cleanup", step.cleanup)] {
                if let spec {
                    lines.append("\(step.id) \(label): " + described(spec.command, on: spec.target))
                }
            }
            for check in step.checks {
                for value in check.fields.values {
                    if case .command(let spec) = value {
                        lines.append("\(step.id)/\(check.id): " + described(spec, on: check.target))
                    }
                }
            }
        }
        return lines
    }

    /// Every lab file (*.yaml, *.yml), first directory first.
    public var files: [String] {
        directories.flatMap { dir in
            ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.map { "\(dir)/\($0)" }
        }
    }

    /// Labs that load, and the diagnostics of those that do not. A lab id seen twice keeps the first, so a file
    /// on disk stands in for the built-in lab of its id.
    public func load() -> (labs: [Lab], problems: [LabDiagnostic]) {
        var labs: [Lab] = []
        var problems: [LabDiagnostic] = []
        var ids = Set<String>()
        let loaded = files.map { LabLoader.load(file: $0) }
            + BuiltIn.labs.map { LabLoader.parse($0.text, file: Self.builtInPrefix + $0.name) }
        for (lab, diagnostics) in loaded {
            problems += diagnostics
            if let lab, ids.insert(lab.id).inserted { labs.append(lab) }
        }
        return (labs, problems)
    }
}
