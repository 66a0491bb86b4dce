import Classroom
import Foundation
import LabFormat
import LabGrader
import ProcessRunner
import VirtKit

public typealias LabCatalog = LabGrader.LabCatalog
public typealias Question = LabGrader.Question
/// A step's setup, solution or cleanup as it ran: its exit status, output and whether it timed out.
public typealias StepRun = (step: String, outcome: ProcessOutcome)

/// The labs on this host: found where the catalog looks, and a lab from an untrusted directory (`--labs`) only
/// after its commands were shown.
public enum Labs {
    /// The lab with this id; one whose file has problems, or none, is said with what to run.
    public static func find(_ id: String, in catalog: LabCatalog) throws -> Lab {
        let (labs, problems) = catalog.load()
        guard let lab = labs.first(where: { $0.id == id }) else {
            if let problem = problems.first(where: { ($0.file as NSString).lastPathComponent.hasPrefix(id + ".") }) {
                throw UserFacingError("lab '\(id)' has problems: \(problem) (run 'virtlab lab validate \(problem.file)')")
            }
            throw UserFacingError("no lab '\(id)' (run 'virtlab lab list' to see the ids)")
        }
        return lab
    }

    /// The commands a lab would run on this host (setup, solution, cleanup, command checks), for review.
    public static func commands(of lab: Lab) -> [String] { LabCatalog.commands(of: lab) }

    /// The lab format as a JSON Schema, from the validator's own tables.
    public static var jsonSchema: String { Schema.jsonSchema(primitives: Primitives.catalog) }

    /// The environment's and the check primitives' reference (docs/lab-format.md's generated sections).
    public static var referenceDocument: String { Schema.referenceDocument(Primitives.catalog) }
}

/// One lab as a student works it on this host (`virtlab lab …` and the Labs pane): whose values it uses (the
/// student a class released it to here, else the one named, else the user), its requirements, its setup,
/// solution and cleanup, grading, and the progress kept between runs.
public struct LabWork: Sendable {
    public let lab: Lab
    /// Whose lab this is: values such as VM names derive from it.
    public let student: String
    private let grader: Grader
    private let libvirtURI: String

    /// `uri`: where domain, network and pool checks look (nil: the usual choice, as `--uri` is); `user`: whose
    /// lab it is when no class released it here and no student is named.
    public init(_ lab: Lab, student named: String?, uri: String?,
                otherwise user: String = ProcessInfo.processInfo.environment["USER"] ?? "student") {
        let whose = StudentInbox().student(for: lab.id, named: named, otherwise: user)
        libvirtURI = ConnectionChoice.resolve(flag: uri).uri
        grader = Grader(lab: lab, student: whose.name, hash: whose.hash, libvirtURI: libvirtURI)
        (self.lab, student) = (lab, whose.name)
    }

    /// The student's values of the lab's parameters, and the expansion of `{{…}}` in its text.
    public var parameters: Parameters { grader.context.parameters }

    /// What the lab needs and this host lacks ("libvirt: …", "container engine: …").
    public func unmet() async -> [String] { await Requirements.unmet(lab, libvirtURI: libvirtURI) }

    /// The steps named (nil: all); a step the lab does not have is said with the ones it has.
    public func steps(_ step: String?) throws -> Set<String>? {
        guard let step else { return nil }
        guard lab.steps.contains(where: { $0.id == step }) else {
            throw UserFacingError("lab '\(lab.id)' has no step '\(step)' (steps: " + lab.steps.map(\.id).joined(separator: ", ") + ")")
        }
        return [step]
    }

    /// The cleanup commands `lab reset` runs, with this student's values, as `--explain` prints them.
    public var cleanupCommands: [String] {
        LabCatalog.commands(of: lab, parameters: parameters).filter { $0.contains(" cleanup: ") }
    }

    public func setUp(steps: Set<String>? = nil) async -> [StepRun] { await grader.setUp(steps: steps) }
    public func solve(steps: Set<String>? = nil) async -> [StepRun] { await grader.solve(steps: steps) }
    public func cleanUp() async -> [StepRun] { await grader.cleanUp() }

    /// Grades the steps (nil: the whole lab); the report is not saved yet.
    public func grade(steps: Set<String>? = nil) async -> LabReport { await grader.grade(steps: steps) }

    /// Keeps the report as the student's progress (merged with earlier steps'); returns what was kept.
    @discardableResult
    public func save(_ report: LabReport) throws -> LabReport { try ProgressStore().save(report, order: lab.steps.map(\.id)) }

    public var savedProgress: LabReport? { ProgressStore().load(lab: lab.id, student: student) }

    /// Forgets the saved progress and the answers given; false when there were none.
    public func forgetProgress() -> Bool {
        let answered = grader.context.answers.forget()
        return ProgressStore().reset(lab: lab.id, student: student) || answered
    }

    /// The lab's questions, each with this student's order of choices.
    public var questions: [Question] { grader.questions }

    /// The question a check asks; a check that is not a question, or none, is said with the lab's questions.
    public func question(_ check: String) throws -> Question {
        if let question = questions.first(where: { $0.check == check }) { return question }
        let asked = questions.map(\.check)
        let theirs = asked.isEmpty ? "the lab asks no questions" : "its questions: " + asked.joined(separator: ", ")
        if lab.steps.flatMap(\.checks).contains(where: { $0.id == check }) {
            throw UserFacingError("'\(check)' in \(lab.id) is not a question: it is graded from what you do (\(theirs))")
        }
        throw UserFacingError("lab '\(lab.id)' has no check '\(check)' (\(theirs))")
    }

    /// The answer given so far to a question, as the choices it names (nil: not answered).
    public func answer(to question: Question) -> [String]? { grader.context.answers.answer(to: question.check) }

    /// Keeps the student's answer to a question: letters (a, b…) or a choice's words, or a free answer. Returns
    /// it as kept (the choices it names). A value that names no choice is refused with what would do.
    @discardableResult
    public func answer(_ question: Question, _ values: [String]) throws -> [String] {
        let chosen: [String]
        do { chosen = try question.resolve(values) } catch { throw UserFacingError(error.description) }
        do { try grader.context.answers.keep(chosen, to: question.check) } catch {
            throw UserFacingError("cannot keep the answer in \(grader.context.answers.store.directory): "
                                  + (error as NSError).localizedDescription)
        }
        return chosen
    }
}
