import Foundation
import ProcessRunner
import LabFormat
import BuiltIn

/// Runs a lab's checks: independent ones in parallel, each after the checks it needs (a check whose
/// prerequisite did not pass is skipped, not failed), with retries, timeouts and capped output.
public struct Grader: Sendable {
    public let lab: Lab
    public let context: GradingContext
    public let student: String

    /// - hash: the student's `{hash}` as their class released it (see `Parameters(lab:student:hash:)`).
    /// - answers: where the student's answers to the lab's questions are kept.
    public init(lab: Lab, student: String, hash: String? = nil, libvirtURI: String, answers: AnswerStore = AnswerStore()) {
        self.lab = lab
        self.student = Parameters.sanitize(student)
        self.context = GradingContext(parameters: Parameters(lab: lab, student: student, hash: hash), libvirtURI: libvirtURI,
                                      answers: AnswerBook(store: answers, lab: lab.id, student: self.student))
    }

    /// The lab's questions, with this student's order of choices.
    public var questions: [Question] {
        lab.steps.flatMap(\.checks).compactMap { Question($0, parameters: context.parameters) }
    }

    /// Grades the given steps (all when nil), plus whatever their checks need from other steps.
    public func grade(steps selected: Set<String>? = nil) async -> LabReport {
        let all = lab.steps.flatMap { step in step.checks.map { (step: step, check: $0) } }
        let byID = Dictionary(all.map { ($0.check.id, $0) }, uniquingKeysWith: { a, _ in a })
        let producers = Dictionary(all.compactMap { entry -> (String, String)? in
            guard entry.check.primitive == "capture", case .string(let name)? = entry.check.fields["as"] else { return nil }
            return (name, entry.check.id)
        }, uniquingKeysWith: { a, _ in a })
        func prerequisites(_ check: Check) -> [String] {
            var ids = check.needs
            if check.primitive == "compare" {
                for side in ["left", "right"] {
                    if case .string(let name)? = check.fields[side], let producer = producers[name] { ids.append(producer) }
                }
            }
            var seen = Set<String>()
            return ids.filter { byID[$0] != nil && seen.insert($0).inserted }
        }
        // Everything selected, and everything it depends on.
        var wanted = Set(all.filter { selected?.contains($0.step.id) ?? true }.map(\.check.id))
        var frontier = Array(wanted)
        while let id = frontier.popLast() {
            for need in prerequisites(byID[id]!.check) where wanted.insert(need).inserted { frontier.append(need) }
        }

        var results: [String: CheckResult] = [:]
        var pending = all.filter { wanted.contains($0.check.id) }
        while !pending.isEmpty {
            let ready = pending.filter { prerequisites($0.check).allSatisfy { results[$0] != nil } }
            guard !ready.isEmpty else {
                for entry in pending {
                    results[entry.check.id] = result(entry.step, entry.check, .error, Verdict.failure("'needs' forms a cycle"), 0)
                }
                break
            }
            pending.removeAll { entry in ready.contains { $0.check.id == entry.check.id } }
            await withTaskGroup(of: CheckResult.self) { group in
                for (step, check) in ready {
                    let blocked = prerequisites(check).filter { results[$0]?.status != .pass }
                    if !blocked.isEmpty {
                        results[check.id] = CheckResult(
                            step: step.id, check: check.id, title: context.parameters.expand(check.title), status: .skipped,
                            points: check.points, expected: nil, got: nil, command: nil, output: nil,
                            message: "skipped: needs \(blocked.joined(separator: ", ")), which did not pass", attempts: 0)
                        continue
                    }
                    group.addTask { await self.attempt(step, check) }
                }
                for await result in group { results[result.check] = result }
            }
        }
        let steps = lab.steps.compactMap { step -> StepReport? in
            let stepResults = step.checks.compactMap { results[$0.id] }
            return stepResults.isEmpty ? nil : StepReport(id: step.id, title: context.parameters.expand(step.title), results: stepResults)
        }
        return LabReport(lab: lab.id, title: lab.title, student: student, date: Date(), steps: steps,
                         virtlabVersion: BuiltIn.version)
    }

    /// Runs one check, retrying as the lab allows. Checks run side by side; what blocks in them (a process,
    /// a libvirt call) runs on the blocking pool, so none holds up the others or the cooperative pool.
    private func attempt(_ step: Step, _ check: Check) async -> CheckResult {
        var verdict = Verdict.failure("not run")
        var attempts = 0
        repeat {
            if attempts > 0 { try? await Task.sleep(for: .seconds(check.retryDelay)) }
            attempts += 1
            verdict = await Evaluator.evaluate(check, timeout: check.timeout, in: context)
        } while !verdict.passed && !verdict.final && attempts <= check.retries
        return result(step, check, verdict.passed ? .pass : verdict.error != nil ? .error : .fail, verdict, attempts)
    }

    private func result(_ step: Step, _ check: Check, _ status: CheckResult.Status, _ verdict: Verdict,
                        _ attempts: Int) -> CheckResult {
        let message: String? = switch status {
        case .error: verdict.error
        case .fail: verdict.note ?? check.failure.map(context.parameters.expand)
            ?? step.hints.first.map { "hint: " + context.parameters.expand($0) }
        case .pass: verdict.note
        case .skipped: nil
        }
        return CheckResult(step: step.id, check: check.id, title: context.parameters.expand(check.title), status: status,
                           points: check.points, expected: verdict.expected, got: verdict.got, command: verdict.command,
                           output: status == .pass ? nil : verdict.output, message: message, attempts: attempts)
    }

    /// Runs every step's cleanup, last step first, to undo what the lab made. Failures are reported, not fatal:
    /// a cleanup removing what is already gone is normal.
    public func cleanUp(timeout: Double = 300) async -> [(step: String, outcome: ProcessOutcome)] {
        var done: [(String, ProcessOutcome)] = []
        for step in lab.steps.reversed() {
            if let cleanup = step.cleanup { done.append((step.id, await perform(cleanup, timeout))) }
        }
        return done
    }

    /// Runs the setup of the given steps (all when nil), in order; stops at the first failure.
    public func setUp(steps selected: Set<String>? = nil, timeout: Double = 600) async
        -> [(step: String, outcome: ProcessOutcome)]
    {
        await performInOrder(\.setup, selected, timeout)
    }

    /// Runs the reference solution of the given steps (all when nil), in order; stops at the first failure.
    /// A question's solution is its right answer, kept as the student's.
    public func solve(steps selected: Set<String>? = nil, timeout: Double = 900) async
        -> [(step: String, outcome: ProcessOutcome)]
    {
        var done = await performInOrder(\.solve, selected, timeout)
        guard done.allSatisfy({ $0.outcome.status == 0 && !$0.outcome.timedOut }) else { return done }
        for step in lab.steps where selected?.contains(step.id) ?? true {
            let questions = step.checks.compactMap { Question($0, parameters: context.parameters) }
            guard !questions.isEmpty else { continue }
            do {
                for question in questions { try context.answers.keep(question.solution, to: question.check) }
                // A step solved by a command too is already listed.
                if !done.contains(where: { $0.step == step.id }) {
                    done.append((step.id, ProcessOutcome(status: 0, stdout: "", stderr: "", timedOut: false, truncated: false)))
                }
            } catch {
                done.append((step.id, ProcessOutcome(status: 1, stdout: "", stderr: "cannot keep the answers: \(error)",
                                                     timedOut: false, truncated: false)))
                break
            }
        }
        return done
    }

    private func performInOrder(_ action: KeyPath<Step, StepAction?>, _ selected: Set<String>?,
                                _ timeout: Double) async -> [(step: String, outcome: ProcessOutcome)] {
        var done: [(String, ProcessOutcome)] = []
        for step in lab.steps where selected?.contains(step.id) ?? true {
            guard let command = step[keyPath: action] else { continue }
            let outcome = await perform(command, timeout)
            done.append((step.id, outcome))
            if outcome.status != 0 || outcome.timedOut { break }
        }
        return done
    }

    /// A step's command in its target; a target that cannot run it reads as a failed command saying why.
    private func perform(_ action: StepAction, _ timeout: Double) async -> ProcessOutcome {
        let shell = TargetShell(context: context)
        switch await shell.run(context.parameters.expand(action.command), on: context.parameters.expand(action.target),
                         timeout: timeout) {
        case .success(let outcome): return outcome
        case .failure(let unavailable):
            return ProcessOutcome(status: -1, stdout: "", stderr: unavailable.message, timedOut: false, truncated: false)
        }
    }
}
