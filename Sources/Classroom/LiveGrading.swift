import Foundation
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

    public var summary: String {
        switch outcome {
        case .graded(let earned, let possible): "\(earned)/\(possible)"
        case .unreachable(let why): "unreachable: \(why)"
        case .noVirtlab: "no virtlab on the host (not on the PATH of ssh sessions)"
        case .timedOut(let seconds): "timed out after \(seconds) s"
        case .failed(let why): "failed: \(why)"
        }
    }
}

/// Grades a class where the students work: over the system `ssh` to each host (the user's config, agent,
/// ProxyJump and known_hosts apply; BatchMode, so nothing waits for a password), `virtlab lab grade` runs
/// there and its JSON report comes back. At most `parallelism` hosts at once, each within the host timeout;
/// a host that fails is a row that says why and never holds up the others.
public struct LiveGrader: Sendable {
    public let config: ClassConfig
    public let sshConfigFile: String?
    /// One connection per host for all its labs (ssh's ControlMaster), sockets in a directory of the user's.
    let controlDirectory: String

    public init(config: ClassConfig, sshConfigFile: String? = nil) {
        self.config = config
        self.sshConfigFile = sshConfigFile
        controlDirectory = NSTemporaryDirectory() + "virtlab-ssh-\(getuid())"
    }

    public func grade(labs: [String], students: [Student],
                      progress: @escaping @Sendable (HostGrade) -> Void = { _ in }) async -> [HostGrade] {
        try? FileManager.default.createDirectory(atPath: controlDirectory, withIntermediateDirectories: true,
                                                 attributes: [.posixPermissions: 0o700])
        let work = students.enumerated().flatMap { index, student in labs.map { (index, student, $0) } }
        var results: [(Int, HostGrade)] = []
        await withTaskGroup(of: (Int, HostGrade).self) { group in
            var next = work.makeIterator()
            func startNext() -> Bool {
                guard let (index, student, lab) = next.next() else { return false }
                group.addTask { (index, await self.grade(lab, on: student)) }
                return true
            }
            for _ in 0..<max(1, config.parallelism) where !startNext() { break }
            for await result in group {
                progress(result.1)
                results.append(result)
                _ = startNext()
            }
        }
        return results.sorted { ($0.0, labs.firstIndex(of: $0.1.lab) ?? 0) < ($1.0, labs.firstIndex(of: $1.1.lab) ?? 0) }
            .map(\.1)
    }

    func grade(_ lab: String, on student: Student) async -> HostGrade {
        let shell = SecureShell(user: nil, address: student.ssh, knownHosts: nil, configFile: sshConfigFile,
                                controlPath: controlDirectory + "/%C", batch: true)
        let words = ["virtlab", "lab", "grade", lab, "--student", student.id, "--format", "json", "--exit-zero"]
            + (student.uri.map { ["--uri", $0] } ?? [])
        let timeout = Double(config.hostTimeoutSeconds)
        let outcome = await OwnThread.run { shell.run(.words(words), timeout: timeout) }
        return HostGrade(student: student, lab: lab, outcome: Self.outcome(outcome, timeout: config.hostTimeoutSeconds),
                         report: outcome.status == 0 ? outcome.stdout : nil)
    }

    static func outcome(_ run: ProcessOutcome, timeout: Int) -> HostGrade.Outcome {
        let lastLine = run.stderr.split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
        if run.timedOut { return .timedOut(seconds: timeout) }
        switch run.status {
        case 0:
            struct Document: Decodable { let earned: Int, possible: Int }
            guard let document = try? JSONDecoder().decode(Document.self, from: Data(run.stdout.utf8)) else {
                return .failed("the host's virtlab printed no report (is it older than this one?)")
            }
            return .graded(earned: document.earned, possible: document.possible)
        case 255: return .unreachable(lastLine.isEmpty ? "ssh failed" : lastLine)
        case 127: return .noVirtlab
        default: return .failed(lastLine.isEmpty ? "exit status \(run.status)" : lastLine)
        }
    }
}
