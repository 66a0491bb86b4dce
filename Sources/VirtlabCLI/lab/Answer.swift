import ArgumentParser
import Services

extension LabCommand {
    struct Answer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "answer", abstract: "Answer one of a lab's questions (without a value: show it).",
            discussion: "Choices are answered by their letter as 'lab show' lists them (your order is your own) or "
                + "by their words; a question with several right choices takes them all at once "
                + "(virtlab lab answer 102.6-questions qcow2-features a c). A free answer is the rest of the line. "
                + "A new answer replaces the last; 'lab check' grades it, and the reason of the answer is shown "
                + "once it is right.")
        @OptionGroup var selection: Selection
        @Argument(help: "The question's check id (as 'lab show' lists it).") var check: String
        @Argument(help: "Your answer: letters or a choice's words, or a free answer.") var values: [String] = []

        func run() async throws {
            let work = try selection.work()
            let question = try work.question(check)
            guard !values.isEmpty else {
                for line in Self.lines(question, lab: work.lab.id, answered: work.answer(to: question)) { print(line) }
                return
            }
            let kept = try work.answer(question, values)
            let step = work.lab.steps.first { $0.checks.contains { $0.id == check } }?.id ?? ""
            print("answer to \(check) kept: \(question.describe(kept))")
            print("grade it: virtlab lab check \(work.lab.id) --step \(step)")
        }

        /// A question as `lab show` and `lab answer` print it: the question, the student's lettered choices, and
        /// the answer given so far.
        static func lines(_ question: Question, lab: String, answered: [String]?) -> [String] {
            var lines = ["\(question.check): \(question.ask)" + (question.picks > 1 ? " (choose \(question.picks))" : "")]
            for (index, choice) in question.choices.enumerated() { lines.append("   \(Question.letter(index))) \(choice)") }
            lines.append(answered.map { "answered: " + question.describe($0) }
                         ?? "answer: virtlab lab answer \(lab) \(question.check) " + (question.choices.isEmpty ? "'…'" : "LETTER"))
            return lines
        }
    }
}
