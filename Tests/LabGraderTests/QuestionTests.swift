import Foundation
import LabFormat
import Testing
import TestSupport
import TestTags
@testable import LabGrader

/// The question check: answered, graded, never giving the right answer away, each student's own order of choices.
@Suite(.tags(.pure)) struct QuestionTests {
    let answers = AnswerStore(environment: ["XDG_STATE_HOME": NSTemporaryDirectory() + "virtlab-q-\(UUID().uuidString.prefix(8))"])

    static let yaml = oneStep("""
          - id: kind
            title: Hypervisor kind
            question:
              ask: Which runs on the hardware?
              choices: [Type 1, Type 2, An emulator, A container]
              answer: [Type 1]
              why: Type 1 has no host OS beneath it.
          - id: flags
            title: Flags
            question: {ask: Which flags?, choices: [vmx, svm, lm, pae], answer: [vmx, svm], why: VT-x and AMD-V.}
          - id: file
            title: File
            question: {ask: Which file?, answer: [/etc/machine-id], regex: '/var/lib/dbus/machine-?id', why: systemd's.}
    """)

    func graded(_ student: String) async throws -> [String: CheckResult] {
        let report = await Grader(lab: try lab(Self.yaml), student: student, libvirtURI: "test:///default", answers: answers).grade()
        return Dictionary(report.steps.flatMap(\.results).map { ($0.check, $0) }, uniquingKeysWith: { a, _ in a })
    }

    func question(_ id: String, _ student: String) throws -> Question {
        try #require(Grader(lab: try lab(Self.yaml), student: student, libvirtURI: "test:///default", answers: answers)
            .questions.first { $0.check == id })
    }

    @Test func unansweredQuestionsFailAndSayHowToAnswer() async throws {
        let results = try await graded("ann")
        #expect(results["kind"]?.status == .fail && results["kind"]?.got == "no answer yet")
        #expect(results["kind"]?.message == "answer it: Enter in the dashboard's lab, or virtlab lab answer t kind LETTER")
        #expect(results["file"]?.message == "answer it: Enter in the dashboard's lab, or virtlab lab answer t file 'YOUR ANSWER'")
    }

    @Test func rightAnswersPassWithTheirReasonAndWrongOnesNeverRevealTheAnswer() async throws {
        let kind = try question("kind", "ann")
        let wrong = try #require(kind.choices.firstIndex(of: "Type 2"))
        try answers.save(try kind.resolve([Question.letter(wrong)]), to: "kind", lab: "t", student: "ann")
        try answers.save(try question("flags", "ann").resolve(["VMX"]), to: "flags", lab: "t", student: "ann")
        try answers.save(try question("file", "ann").resolve([" /Etc/Machine-ID. "]), to: "file", lab: "t", student: "ann")
        var results = try await graded("ann")
        #expect(results["kind"]?.status == .fail && results["kind"]?.got == "\(Question.letter(wrong))) Type 2")
        #expect(results["kind"]?.message == "hint: try harder")
        #expect(results["flags"]?.status == .fail, "one of two right choices is not the answer")
        let text = ReportFormat.json.render(LabReport(lab: "t", title: "T", student: "ann", date: Date(),
                                                      steps: [StepReport(id: "s", title: "S", results: Array(results.values))],
                                                      virtlabVersion: nil))
        #expect(!text.contains("Type 1") && !text.contains("AMD-V"), "a wrong answer gives nothing away: \(text)")
        #expect(results["file"]?.status == .pass && results["file"]?.message == "systemd's.")

        try answers.save(try kind.resolve(["type 1"]), to: "kind", lab: "t", student: "ann")
        try answers.save(try question("flags", "ann").resolve(["svm", "vmx"]), to: "flags", lab: "t", student: "ann")
        try answers.save(try question("file", "ann").resolve(["/var/lib/dbus/machine-id"]), to: "file", lab: "t", student: "ann")
        results = try await graded("ann")
        #expect(results["kind"]?.status == .pass && results["kind"]?.message == "Type 1 has no host OS beneath it.")
        #expect(results["flags"]?.status == .pass && results["file"]?.status == .pass)
        let shown = ReportFormat.text.render(LabReport(lab: "t", title: "T", student: "ann", date: Date(),
                                                       steps: [StepReport(id: "s", title: "S", results: [results["kind"]!])],
                                                       virtlabVersion: nil))
        #expect(shown.contains("PASS  Hypervisor kind  (1/1)\n        Type 1 has no host OS beneath it."), "\(shown)")
    }

    @Test func eachStudentHasTheirOwnStableOrderOfChoices() throws {
        let orders = try (0..<8).map { try question("kind", "student\($0)").choices }
        #expect(Set(orders.map { $0.joined(separator: "|") }).count > 1, "the order depends on the student")
        #expect(orders.allSatisfy { Set($0) == ["Type 1", "Type 2", "An emulator", "A container"] })
        #expect(try question("kind", "student3").choices == orders[3], "and stays the same for one student")
    }

    @Test func answersThatNameNoChoiceOrTooManyAreRefusedWithWhatWouldDo() throws {
        let kind = try question("kind", "ann")
        #expect(throws: QuestionError.self) { try kind.resolve(["e"]) }
        do { _ = try kind.resolve(["a", "b"]); Issue.record("two choices for a one-answer question") } catch {
            #expect(error.description == "kind asks for 1 choice; 2 given")
        }
        do { _ = try kind.resolve(["Type 3"]); Issue.record("an unknown choice") } catch {
            #expect(error.description == "'Type 3' is not one of the choices of kind (answer with a letter: a, b, c, d)")
        }
        #expect(try question("flags", "ann").resolve(["vmx", "svm"]).count == 2)
    }

    @Test func badQuestionsAreRefusedAtTheirLine() {
        func problems(_ question: String) -> [String] {
            LabLoader.parse(oneStep("      - {id: q, title: Q, question: \(question)}"), file: "q.yaml").diagnostics.map(\.description)
        }
        #expect(problems("{ask: A?, choices: [x, y], answer: [], why: w}").contains { $0.hasSuffix("a question needs a right answer ('answer')") })
        #expect(problems("{ask: A?, choices: [x, y], why: w}").contains { $0.contains("needs 'answer'") })
        #expect(problems("{ask: A?, choices: [x, X], answer: [x], why: w}").contains { $0.hasSuffix("duplicate choice 'X'") })
        #expect(problems("{ask: A?, choices: [x, y], answer: [z], why: w}").contains { $0.contains("answer 'z' is not one of the choices") })
        #expect(problems("{ask: A?, choices: [x], answer: [x], why: w}").contains { $0.hasSuffix("needs at least two choices") })
        #expect(problems("{ask: A?, answer: [x], regex: '(', why: w}").contains { $0.hasSuffix("regex '(' is not a valid pattern") })
        #expect(problems("{ask: A?, answer: [x], why: w}").isEmpty)
        #expect(problems("{ask: A?, choices: [x, y], answer: [x], why: w}").first?.hasPrefix("q.yaml:") ?? true)
    }

    @Test func theShippedQuestionsCoverTheObjective() async throws {
        let lab = try #require(LabLoader.load(file: Repository.labs + "/102.6-questions.yaml").lab)
        let grader = Grader(lab: lab, student: "ann", libvirtURI: "test:///default", answers: answers)
        #expect(grader.questions.count >= 25)
        let untouched = await grader.grade()
        #expect(untouched.earned == 0 && untouched.possible == lab.points)
        #expect(await grader.solve().allSatisfy { $0.outcome.status == 0 })
        let solved = await grader.grade()
        #expect(solved.earned == lab.points, "\(ReportFormat.text.render(solved))")
        #expect(solved.steps.flatMap(\.results).allSatisfy { !($0.message ?? "").isEmpty }, "every answer says why")
        let text = lab.steps.flatMap(\.checks).map { "\($0.fields)" }.joined().lowercased()
        for term in ["type 1", "type 2", "lxc", "application container", "guest driver", "ssh host key", "machine id",
                     "cloud-init", "compute", "block storage", "network", "template", "qcow2", "ova", "snapshot",
                     "migration", "host-only", "nat", "bridged"] {
            #expect(text.contains(term), "no question about \(term)")
        }
    }
}
