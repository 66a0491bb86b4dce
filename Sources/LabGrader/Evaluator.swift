import Foundation
import ProcessRunner
import ContainerKit
import LabFormat
import Synchronization
import VirtKit

/// What grading needs around the checks: the student's parameters, libvirt connections when a check asks,
/// the user and key SSH logs in with when a guest's agent does not answer (virtlab's record of the VM's user first), and the values `capture` checks saved.
public final class GradingContext: Sendable {
    public let parameters: Parameters
    public let libvirtURI: String
    public let sshUser: String
    /// A private key the SSH fallback offers first (`VIRTLAB_SSH_IDENTITY`); ssh also tries the agent and ~/.ssh.
    public let sshIdentity: String?
    let captures = Mutex<[String: String]>([:])
    /// The student's answers to the lab's questions.
    public let answers: AnswerBook
    /// Read-only for facts; read-write only where the guest agent is asked (libvirt refuses it read-only). By URI:
    /// a check may look at another host (where a VM moved to).
    private let connections = Mutex<[String: Connection]>([:])

    public init(parameters: Parameters, libvirtURI: String, answers: AnswerBook,
                sshUser: String = ProcessInfo.processInfo.environment["VIRTLAB_SSH_USER"]
                    ?? ProcessInfo.processInfo.environment["USER"] ?? "root",
                sshIdentity: String? = ProcessInfo.processInfo.environment["VIRTLAB_SSH_IDENTITY"]) {
        self.parameters = parameters
        self.libvirtURI = libvirtURI
        self.answers = answers
        self.sshUser = sshUser
        self.sshIdentity = sshIdentity
    }

    private let engineClient = Mutex<Task<EngineClient, Error>?>(nil)

    /// One engine connection per grading (its version asked once), made when a check first needs it.
    func engine() async throws -> EngineClient {
        let connecting = engineClient.withLock { cached in
            if let cached { return cached }
            let connecting = Task { try await EngineClient.connect().0 }
            cached = connecting
            return connecting
        }
        return try await connecting.value
    }

    /// The lab's connection, or one to `uri`.
    func libvirt(_ uri: String? = nil, writable: Bool = false) throws -> Connection {
        let uri = uri ?? libvirtURI
        return try connections.withLock { open in
            let key = (writable ? "rw " : "ro ") + uri
            if let existing = open[key] { return existing }
            let opened = try Connection(uri: uri, readOnly: !writable)
            open[key] = opened
            return opened
        }
    }
}

/// The result of one attempt at one check.
struct Verdict: Error {
    var passed: Bool
    var expected: String?
    var got: String?
    var command: String?
    var output: String?
    /// Said to the student with the result: a question's reason once it is right, how to answer one not answered.
    var note: String?
    /// Set when the check could not be judged at all (a timeout, a missing tool): reported as an error.
    var error: String?
    /// No retry can change it (the target does not exist).
    var final = false

    static func judged(_ passed: Bool, expected: String?, got: String?) -> Verdict {
        Verdict(passed: passed, expected: expected, got: got)
    }

    static func failure(_ message: String) -> Verdict { Verdict(passed: false, error: message) }
}

/// Gives each check its primitive's meaning, and the primitives what they share: running a command in a
/// target, judging its output, the grading's connections.
struct Evaluator {
    let context: GradingContext
    /// The check being judged.
    let checkID: String

    static func evaluate(_ check: Check, timeout: Double, in context: GradingContext) async -> Verdict {
        guard let primitive = Primitives.byName[check.primitive] else {
            return .failure("unknown primitive '\(check.primitive)'")
        }
        return await primitive.evaluate(check.fields.mapValues(context.parameters.expand),
                                        on: context.parameters.expand(check.target), timeout: timeout,
                                        with: Evaluator(context: context, checkID: check.id))
    }

    func flag(_ fields: [String: FieldValue], _ key: String) -> Bool? {
        if case .bool(let value)? = fields[key] { value } else { nil }
    }

    // MARK: Processes

    /// Runs a command in the target; a target that cannot run anything becomes the verdict.
    func run(_ spec: CommandSpec, _ target: Target, _ timeout: Double) async -> Result<(ProcessOutcome, String), Verdict> {
        let described = HostProcess.describe(spec, on: target)
        switch await TargetShell(context: context).run(spec, on: target, timeout: timeout) {
        case .success(let outcome):
            guard !outcome.timedOut else {
                return .failure(Verdict(passed: false, command: described, output: trimmed(outcome),
                                        error: "timed out after \(Int(timeout)) s and was killed"))
            }
            return .success((outcome, described))
        case .failure(let unavailable):
            return .failure(Verdict(passed: false, command: described, error: unavailable.message,
                                    final: unavailable.missing))
        }
    }

    /// Runs a command in the target and judges its output; a command that could not run is the verdict.
    func judge(_ spec: CommandSpec, _ target: Target, _ timeout: Double,
               _ judgement: (ProcessOutcome, String) -> Verdict) async -> Verdict {
        switch await run(spec, target, timeout) {
        case .success(let (outcome, described)): judgement(outcome, described)
        case .failure(let verdict): verdict
        }
    }

    func trimmed(_ outcome: ProcessOutcome) -> String {
        let text = (outcome.stdout + (outcome.stderr.isEmpty ? "" : "\n[stderr] " + outcome.stderr))
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let shown = text.count > 2000 ? String(text.prefix(2000)) + "…" : text
        return outcome.truncated ? shown + " [output capped at \(HostProcess.outputCap / 1024) KiB]" : shown
    }
}
