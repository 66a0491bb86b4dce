import Foundation
import LabFormat
import HostDoctor

/// Where labs are found: `labs/` beside the installed binary (or the checkout), the user's data dir
/// (`$XDG_DATA_HOME/virtlab/labs`), and any extra paths given.
public struct LabCatalog {
    public let directories: [String]
    /// Directories given on the command line: their labs are shown before they first run.
    public let untrusted: Set<String>

    public init(extra: [String] = [], environment: [String: String] = ProcessInfo.processInfo.environment,
                executable: String = HostFiles.runningExecutable) {
        var dirs = extra
        let data = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "\(environment["HOME"] ?? NSHomeDirectory())/.local/share"
        dirs.append("\(data)/virtlab/labs")
        var dir = URL(fileURLWithPath: executable).resolvingSymlinksInPath().deletingLastPathComponent()
        dirs.append(dir.deletingLastPathComponent().appendingPathComponent("share/virtlab/labs").path)
        for _ in 0..<4 {
            dir = dir.deletingLastPathComponent()
            dirs.append(dir.appendingPathComponent("labs").path)
        }
        var seen = Set<String>()
        directories = dirs.filter { FileManager.default.fileExists(atPath: $0) && seen.insert($0).inserted }
        untrusted = Set(extra)
    }

    public func isTrusted(_ lab: Lab) -> Bool {
        !untrusted.contains((lab.file as NSString).deletingLastPathComponent)
    }

    /// Every command a lab would run, as a reviewer reads them.
    public static func commands(of lab: Lab) -> [String] {
        let parameters = Parameters(lab: lab, student: "STUDENT")
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

    /// Labs that load, and the diagnostics of those that do not. A lab id seen twice keeps the first.
    public func load() -> (labs: [Lab], problems: [LabDiagnostic]) {
        var labs: [Lab] = []
        var problems: [LabDiagnostic] = []
        var ids = Set<String>()
        for file in files {
            let (lab, diagnostics) = LabLoader.load(file: file)
            problems += diagnostics
            if let lab, ids.insert(lab.id).inserted { labs.append(lab) }
        }
        return (labs, problems)
    }
}
