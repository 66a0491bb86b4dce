import App
import Foundation
import Inventory
import LabFormat
import Runtime
import Services

/// The lab port on the lab use cases: the labs the usual places hold (the app runs trusted labs only, no --labs
/// paths), each student's values and saved progress.
struct GraderLabs: LabPort {
    let uri: String
    /// The user's name: whose labs these are, unless a class released a lab to this host for one of its students.
    let student: String

    private func work(_ lab: Lab) -> LabWork { LabWork(lab, student: nil, uri: uri, otherwise: student) }

    func load() -> LabShelf {
        let (labs, problems) = Settings.current.labCatalog().load()
        let works = labs.map(work)
        return LabShelf(
            labs: labs,
            parameters: Dictionary(works.map { ($0.lab.id, $0.parameters) }, uniquingKeysWith: { a, _ in a }),
            progress: Dictionary(works.compactMap { work in work.savedProgress.map { (work.lab.id, $0) } },
                                 uniquingKeysWith: { a, _ in a }),
            questions: Dictionary(works.map { ($0.lab.id, questions(of: $0)) }, uniquingKeysWith: { a, _ in a }),
            problems: problems.map(\.description))
    }

    func start(_ lab: Lab, fresh: Bool) async -> (unmet: [String], failures: [String]) {
        let work = work(lab)
        let unmet = await work.unmet()
        guard unmet.isEmpty && fresh else { return (unmet, []) }
        let failures = await work.setUp()
            .filter { $0.outcome.status != 0 || $0.outcome.timedOut }
            .map { "setup of step \($0.step) failed: " + $0.outcome.stderr.split(separator: "\n").prefix(1).joined() }
        return (unmet, failures)
    }

    func check(_ lab: Lab, step: String?) async -> (report: LabReport, saveError: String?) {
        let work = work(lab)
        let report = await work.grade(steps: step.map { [$0] })
        do {
            return (try work.save(report), nil)
        } catch {
            return (report, (error as NSError).localizedDescription)
        }
    }

    func answer(_ lab: Lab, _ answers: [LabAnswer]) async throws -> [LabQuestion] {
        let work = work(lab)
        for answer in answers { try work.answer(try work.question(answer.check), answer.values) }
        return questions(of: work)
    }

    func environment(_ lab: Lab) async throws -> [EnvironmentRow] {
        let environment = try LabEnvironment(work(lab))
        return try await environment.withPlaces(uri: uri, doing: "read \(lab.id)'s environment") { places in
            try await environment.status(places).map {
                EnvironmentRow(kind: $0.kind.rawValue, name: $0.name, state: $0.stateText, asDeclared: $0.state == .asDeclared,
                               made: $0.state != .missing && !$0.isNotTheLabs)
            }
        }
    }

    func plan(_ change: EnvironmentChange, _ lab: Lab) async throws -> [PlannedChange] {
        let environment = try LabEnvironment(work(lab))
        return try await environment.withPlaces(uri: uri, doing: "\(change.verb) \(lab.id)") { places in
            try await Self.steps(change, environment, places).map { PlannedChange(what: $0.what, command: $0.command) }
        }
    }

    func perform(_ change: EnvironmentChange, _ lab: Lab,
                 each: @escaping @Sendable (String, PlannedChange, ActionRecord.Outcome) -> Void) async throws {
        let environment = try LabEnvironment(work(lab))
        try await environment.withPlaces(uri: uri, doing: "\(change.verb) \(lab.id)") { places in
            for step in try await Self.steps(change, environment, places) {
                let planned = PlannedChange(what: step.what, command: step.command)
                do {
                    each(places.uri, planned, .done(try await step.perform()))
                } catch {
                    each(places.uri, planned, .failed(UserMessage.line(for: error)))
                    throw UserFacingError("\(step.what): \(UserMessage.line(for: error))")
                }
            }
            if change == .down { environment.forgetIfEmpty() }
        }
    }

    private static func steps(_ change: EnvironmentChange, _ environment: LabEnvironment,
                              _ places: LabEnvironment.Places) async throws -> [LabEnvironment.Step] {
        switch change {
        case .up: try await environment.upPlan(places)
        case .reset: try await environment.resetPlan(places)
        case .down: try await environment.downPlan(places, purge: false).steps
        }
    }

    private func questions(of work: LabWork) -> [LabQuestion] {
        work.questions.map { $0.shown(answer: work.answer(to: $0)) }
    }
}
