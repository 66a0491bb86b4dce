import BlockingWork
import Foundation
import LabFormat
import ProcessRunner
import SecureShell

/// One student's lab, graded live on their host.
public struct HostGrade: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        case graded(earned: Int, possible: Int)
        /// ssh could not get there (its own words: refused, no route, timed out, host key changed …).
        case unreachable(String)
        /// The host answers, but has no `virtlab` on the PATH ssh sessions get.
        case noVirtlab
        case timedOut(seconds: Int)
        case failed(String)
    }

    public let student: Student
    public let lab: String
    public let outcome: Outcome
    /// The host's JSON report, as it printed it (for `--format json`).
    public let report: String?
    /// The version of the virtlab that graded it, as its report says (nil: a report of one before 0.10.0).
    public let hostVersion: String?

    public init(student: Student, lab: String, outcome: Outcome, report: String?, hostVersion: String? = nil) {
        (self.student, self.lab, self.outcome, self.report, self.hostVersion) = (student, lab, outcome, report, hostVersion)
    }

    public var summary: String { outcome.summary }
    /// Set when a host graded it with another virtlab than the teacher's.
    public var versionMismatch: String? {
        guard case .graded = outcome else { return nil }
        return VersionCheck.mismatch(hostVersion)
    }
}

extension HostGrade.Outcome {
    public var summary: String {
        switch self {
        case .graded(let earned, let possible): "\(earned)/\(possible)"
        case .unreachable(let why): "unreachable: \(why)"
        case .noVirtlab: "no virtlab on the host (not on the PATH of ssh sessions)"
        case .timedOut(let seconds): "timed out after \(seconds) s"
        case .failed(let why): "failed: \(why)"
        }
    }

    /// One word for the gradebook: `graded`, `unreachable`, `no-virtlab`, `timed-out`, `failed`.
    public var status: String {
        switch self {
        case .graded: "graded"
        case .unreachable: "unreachable"
        case .noVirtlab: "no-virtlab"
        case .timedOut: "timed-out"
        case .failed: "failed"
        }
    }
}

/// The class's hosts over the system `ssh` (the user's config, agent, ProxyJump and known_hosts apply, or the
/// class's ssh_config; BatchMode, so nothing waits for a password; one connection per host for everything sent
/// to it): at most `parallelism` hosts at once, each command within the host timeout. A host that fails never
/// holds up the others.
public struct ClassHosts: Sendable {
    public let config: ClassConfig
    public let sshConfigFile: String?
    /// ssh's ControlMaster sockets, in a directory of the user's.
    let controlDirectory: String

    public init(config: ClassConfig, sshConfigFile: String? = nil) {
        self.config = config
        self.sshConfigFile = sshConfigFile
        controlDirectory = NSTemporaryDirectory() + "virtlab-ssh-\(getuid())"
    }

    /// `virtlab WORDS…` on the student's host, reading `inputFile` if one is given. ~/.local/bin is searched after
    /// the PATH ssh sessions get, where `class install` puts virtlab on a host it has no root rights on; a host
    /// without virtlab answers 127, as the shell does.
    public func virtlab(_ words: [String], on student: Student, inputFile: String? = nil) async -> ProcessOutcome {
        await shell(#"PATH="$PATH:$HOME/.local/bin" exec virtlab "$@""#, ["virtlab"] + words, on: student,
                    inputFile: inputFile)
    }

    /// A POSIX `sh` script on the student's host with these arguments ($0, $1 …), whatever the login shell there;
    /// within `timeoutSeconds`, else the class's host timeout.
    public func shell(_ script: String, _ arguments: [String], on student: Student, inputFile: String? = nil,
                      timeoutSeconds: Int? = nil) async -> ProcessOutcome
    {
        try? FileManager.default.createDirectory(atPath: controlDirectory, withIntermediateDirectories: true,
                                                 attributes: [.posixPermissions: 0o700])
        let shell = SecureShell(user: nil, address: student.ssh, knownHosts: nil, configFile: sshConfigFile,
                                controlPath: controlDirectory + "/%C", batch: true)
        let timeout = Double(timeoutSeconds ?? config.hostTimeoutSeconds)
        return await BlockingPool.run {
            shell.run(.words(["sh", "-c", script] + arguments), timeout: timeout, inputFile: inputFile)
        }
    }

    /// `body` for every item, at most `parallelism` at once; `progress` hears each result as it comes, and the
    /// results return in the items' order.
    public func each<Item: Sendable, Result: Sendable>(_ items: [Item], progress: @escaping @Sendable (Result) -> Void,
                                                       _ body: @escaping @Sendable (Item) async -> Result) async -> [Result] {
        var results: [(Int, Result)] = []
        await withTaskGroup(of: (Int, Result).self) { group in
            var next = items.enumerated().makeIterator()
            func startNext() -> Bool {
                guard let (index, item) = next.next() else { return false }
                group.addTask { (index, await body(item)) }
                return true
            }
            for _ in 0..<max(1, config.parallelism) where !startNext() { break }
            for await result in group {
                progress(result.1)
                results.append(result)
                _ = startNext()
            }
        }
        return results.sorted { $0.0 < $1.0 }.map(\.1)
    }
}

/// Grades a class where the students work: `virtlab lab grade` runs on each host and its JSON report comes back.
public struct LiveGrader: Sendable {
    public let hosts: ClassHosts

    public init(hosts: ClassHosts) { self.hosts = hosts }

    public func grade(labs: [String], students: [Student],
                      progress: @escaping @Sendable (HostGrade) -> Void = { _ in }) async -> [HostGrade] {
        let work = students.flatMap { student in labs.map { (student, $0) } }
        return await hosts.each(work, progress: progress) { student, lab in await self.grade(lab, on: student) }
    }

    func grade(_ lab: String, on student: Student) async -> HostGrade {
        let words = ["lab", "grade", lab, "--student", student.id, "--format", "json", "--exit-zero"]
            + (student.uri.map { ["--uri", $0] } ?? [])
        let run = await hosts.virtlab(words, on: student)
        let (outcome, version) = Self.outcome(run, timeout: hosts.config.hostTimeoutSeconds)
        return HostGrade(student: student, lab: lab, outcome: outcome, report: run.status == 0 ? run.stdout : nil,
                         hostVersion: version)
    }

    /// What the host's answer says, and the version of the virtlab that graded.
    static func outcome(_ run: ProcessOutcome, timeout: Int) -> (HostGrade.Outcome, String?) {
        if let failure = ClassHosts.failure(run, timeout: timeout) { return (failure, nil) }
        struct Document: Decodable {
            struct Report: Decodable { let virtlabVersion: String? }
            let earned: Int, possible: Int, report: Report?
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        guard let document = try? decoder.decode(Document.self, from: Data(run.stdout.utf8)) else {
            return (.failed("the host's virtlab printed no report (is it older than this one?)"), nil)
        }
        return (.graded(earned: document.earned, possible: document.possible),
                document.report?.virtlabVersion?.withoutControlCharacters)
    }
}

extension ClassHosts {
    /// What went wrong on the way to the host or on it, as a row says it; nil when the command succeeded.
    public static func failure(_ run: ProcessOutcome, timeout: Int) -> HostGrade.Outcome? {
        // The host's own words: cleaned before a row or the Class pane shows them.
        let lastLine = run.stderr.split(whereSeparator: \.isNewline).last.map { String($0).withoutControlCharacters } ?? ""
        if run.timedOut { return .timedOut(seconds: timeout) }
        switch run.status {
        case 0: return nil
        case 255: return .unreachable(lastLine.isEmpty ? "ssh failed" : lastLine)
        case 127: return .noVirtlab
        default: return .failed(lastLine.isEmpty ? "exit status \(run.status)" : lastLine)
        }
    }
}
