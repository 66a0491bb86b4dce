import Services
import Classroom
import Foundation
import LabFormat
import LabGrader
import Runtime

/// The lab port on the grader: the labs the usual places hold (the app runs trusted labs only, no --labs
/// paths), each student's values and saved progress.
struct GraderLabs: LabPort {
    let uri: String
    /// The user's name: whose labs these are, unless a class released a lab to this host for one of its students.
    let student: String

    private func grader(_ lab: Lab) -> Grader {
        let whose = StudentInbox().student(for: lab.id, named: nil, otherwise: student)
        return Grader(lab: lab, student: whose.name, hash: whose.hash, libvirtURI: uri)
    }

    func load() -> LabShelf {
        let (labs, problems) = LabCatalog().load()
        let store = ProgressStore()
        let graders = labs.map(grader)
        return LabShelf(
            labs: labs,
            parameters: Dictionary(graders.map { ($0.lab.id, $0.context.parameters) }, uniquingKeysWith: { a, _ in a }),
            progress: Dictionary(graders.compactMap { grader in
                store.load(lab: grader.lab.id, student: grader.student).map { (grader.lab.id, $0) }
            }, uniquingKeysWith: { a, _ in a }),
            problems: problems.map(\.description))
    }

    func start(_ lab: Lab, fresh: Bool) async -> (unmet: [String], failures: [String]) {
        let unmet = await Requirements.unmet(lab, libvirtURI: uri)
        guard unmet.isEmpty && fresh else { return (unmet, []) }
        let failures = await grader(lab).setUp()
            .filter { $0.outcome.status != 0 || $0.outcome.timedOut }
            .map { "setup of step \($0.step) failed: " + $0.outcome.stderr.split(separator: "\n").prefix(1).joined() }
        return (unmet, failures)
    }

    func check(_ lab: Lab, step: String?) async -> (report: LabReport, saveError: String?) {
        let report = await grader(lab).grade(steps: step.map { [$0] })
        do {
            return (try ProgressStore().save(report, order: lab.steps.map(\.id)), nil)
        } catch {
            return (report, (error as NSError).localizedDescription)
        }
    }
}
