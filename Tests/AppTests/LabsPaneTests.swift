import Foundation
import LabFormat
import LabGrader
import Testing
import TestTags
import TermUI
@testable import App

/// The Labs pane as a student uses it: list with progress, open a lab, reveal hints, check, see evidence.
@Suite(.tags(.pure)) struct LabsPaneTests {
    static let lab: Lab = {
        let yaml = """
            id: demo
            title: A demonstration lab
            objectives: ["102.6"]
            description: Learn by doing, on {{vm}}.
            parameters:
              vm: "web-{student}"
            steps:
              - id: first
                title: Start {{vm}}
                instructions: |
                  Start **{{vm}}** with `virsh start {{vm}}`. This paragraph is long enough to be wrapped at eighty
                  columns, so the test can see that the text flows.

                      virsh start {{vm}}

                  Then check.
                hints: ["virsh list --all", "virsh start {{vm}}"]
                checks:
                  - {id: runs, title: "{{vm}} runs", points: 2, domain: {name: "{{vm}}", state: running}}
                  - {id: fact, title: A fact, points: 0, command: {run: ["true"]}}
              - id: second
                title: Stop it
                instructions: Stop {{vm}}.
                checks:
                  - {id: stops, title: "{{vm}} is off", domain: {name: "{{vm}}", state: shut off}}
            """
        return LabLoader.parse(yaml, file: "demo.yaml").lab!
    }()

    static func failedReport(date: Date) -> LabReport {
        LabReport(lab: "demo", title: lab.title, student: "ana", date: date, steps: [
            StepReport(id: "first", title: "Start web-ana", results: [
                CheckResult(step: "first", check: "runs", title: "web-ana runs", status: .fail, points: 2,
                            expected: "state running", got: "state shut off", command: nil, output: nil,
                            message: "hint: virsh list --all", attempts: 1),
                CheckResult(step: "first", check: "fact", title: "A fact", status: .pass, points: 0, expected: nil,
                            got: nil, command: "true", output: nil, message: nil, attempts: 1),
            ]),
        ], virtlabVersion: nil)
    }

    func screen(_ state: AppState, _ width: Int, _ height: Int) -> Buffer {
        view(state, size: Size(width: width, height: height), theme: .builtIn, glyphs: .unicode)
    }

    func state() -> AppState {
        var state = DashboardFixture.state()
        _ = update(&state, .labsLoaded(LabShelf(labs: [Self.lab], parameters: ["demo": Parameters(lab: Self.lab, student: "ana", environment: [:])],
                                                progress: [:], problems: ["bad.yaml:3:1: unknown key 'tittle'"])))
        _ = update(&state, .key(.character("4")))
        return state
    }

    @Test func theListShowsEachLabWithItsProgress() throws {
        var state = state()
        var text = screen(state, 80, 24).text
        #expect(text.contains("4 Labs (1)") && text.contains("demo") && text.contains("not started"))
        #expect(text.contains("1 lab file(s) do not load"))
        #expect(text.contains("Learn by doing, on web-ana."), "the preview fills in the student's values")
        _ = update(&state, .labChecked(Self.failedReport(date: Date(timeIntervalSince1970: 0)), checkedStep: "first"))
        text = screen(state, 80, 24).text
        #expect(text.contains("0/3 pts"))
    }

    @Test func openingCheckingAndEvidence() throws {
        var state = state()
        let opened = update(&state, .key(.enter))
        #expect(opened == [.startLab(id: "demo")])
        var text = screen(state, 80, 24).text
        #expect(text.contains("Step 1 of 2: Start web-ana") && text.contains("Start web-ana with virsh start web-ana."))
        #expect(text.contains("    virsh start web-ana") && text.contains("Hints: 0 of 2 shown"))
        #expect(!text.contains("**") && !text.contains("`"))

        _ = update(&state, .key(.character("h")))
        #expect(screen(state, 80, 24).text.contains("1. virsh list --all"))
        #expect(update(&state, .key(.character("c"))) == [.checkLab(id: "demo", step: "first")])
        #expect(screen(state, 80, 24).text.contains("Checking…"))
        #expect(update(&state, .key(.character("c"))).isEmpty, "no second check while one runs")

        _ = update(&state, .labChecked(Self.failedReport(date: Date(timeIntervalSince1970: 0)), checkedStep: "first"))
        text = screen(state, 80, 24).text
        #expect(text.contains("FAIL web-ana runs (0/2)") && text.contains("hint: virsh list --all"))
        #expect(!text.contains("expected: state running"))
        _ = update(&state, .key(.character("e")))
        text = screen(state, 80, 24).text
        #expect(text.contains("expected: state running") && text.contains("got: state shut off"))
        #expect(state.status?.text == "Start web-ana: 0/2 points")
        try assertSnapshot(screen(state, 80, 24), named: "lab-open-80x24")

        _ = update(&state, .key(.right))
        #expect(screen(state, 80, 24).text.contains("Step 2 of 2: Stop it"))
        _ = update(&state, .key(.escape))
        #expect(state.openLab == nil && screen(state, 80, 24).text.contains("Labs · guided exercises"))
    }

    @Test func gradingTheWholeLabShowsTheBreakdown() {
        var state = state()
        _ = update(&state, .key(.enter))
        #expect(update(&state, .key(.character("a"))) == [.checkLab(id: "demo", step: nil)])
        _ = update(&state, .labChecked(Self.failedReport(date: Date(timeIntervalSince1970: 0)), checkedStep: nil))
        guard let text = state.modal as? TextDialog else {
            Issue.record("no grade shown")
            return
        }
        #expect(text.title == "Grade: A demonstration lab" && text.lines.contains { $0.contains("Grade: 0/2 points") })
    }

    @Test func theFilterBeingTypedStaysVisibleBesideTheTabs() {
        var state = DashboardFixture.state()
        _ = update(&state, .labsLoaded(LabShelf(labs: [Self.lab], parameters: [:], progress: [:], problems: [])))
        _ = update(&state, .key(.character("/")))
        for character in "gam" { _ = update(&state, .key(.character(character))) }
        let tabs = screen(state, 80, 24).text.split(separator: "\n")[1]
        #expect(tabs.trimmingCharacters(in: .whitespaces).hasSuffix("filter: gam_") && tabs.contains("1 VMs"), "\(tabs)")
    }

    static let quiz: Lab = {
        let yaml = """
            id: quiz
            title: A quiz
            steps:
              - id: terms
                title: Terms
                instructions: Answer.
                checks:
                  - id: kind
                    title: Hypervisor kind
                    question: {ask: Which runs on the hardware?, choices: [Type 1, Type 2, An emulator], answer: [Type 1], why: No host OS.}
                  - id: flags
                    title: Flags
                    question: {ask: Which flags? Choose two., choices: [vmx, svm, lm, pae], answer: [vmx, svm], why: VT-x and AMD-V.}
                  - id: file
                    title: File
                    question: {ask: Which file holds the machine id?, answer: [/etc/machine-id], why: systemd's.}
              - id: hands
                title: Hands on
                instructions: Do it.
                checks:
                  - {id: runs, title: It runs, command: {run: ["true"]}}
            """
        return LabLoader.parse(yaml, file: "quiz.yaml").lab!
    }()

    /// The quiz opened on its first step, its questions as the grader orders them for ana.
    func quizState() -> AppState {
        var state = DashboardFixture.state()
        let parameters = Parameters(lab: Self.quiz, student: "ana", environment: [:])
        let questions = Self.quiz.steps.flatMap(\.checks).compactMap { Question($0, parameters: parameters)?.shown(answer: nil) }
        _ = update(&state, .labsLoaded(LabShelf(labs: [Self.quiz], parameters: ["quiz": parameters], progress: [:],
                                                questions: ["quiz": questions], problems: [])))
        _ = update(&state, .key(.character("4")))
        _ = update(&state, .key(.enter))
        return state
    }

    @Test func questionsAreAnsweredInTheirOwnDialogThenTheStepIsGraded() throws {
        var state = quizState()
        let kind = try #require(state.labQuestions["quiz"]?.first)
        #expect(screen(state, 80, 24).text.contains("Questions: 0 of 3 answered · Enter: answer them"))
        _ = update(&state, .key(.enter))
        var text = screen(state, 80, 24).text
        #expect(text.contains("Terms · question 1 of 3") && text.contains("Which runs on the hardware?") && text.contains("Choose one:"))
        let typeOne = try #require(kind.choices.firstIndex(of: "Type 1"))
        let letter = LabQuestion.letter(typeOne)
        _ = update(&state, .key(.character(Character(letter))))
        #expect(screen(state, 80, 24).text.contains("(•) \(letter)) Type 1"))
        _ = update(&state, .key(.character("z")))
        #expect(state.status?.text == "choose with a letter: a, b, c")

        _ = update(&state, .key(.enter))
        text = screen(state, 80, 24).text
        #expect(text.contains("Which flags? Choose two.") && text.contains("Choose 2 (0 chosen):"))
        for key in [Key.character(" "), .down, .character(" "), .down, .character(" ")] { _ = update(&state, .key(key)) }
        text = screen(state, 80, 24).text
        #expect(text.contains("Choose 2 (2 chosen):") && state.status?.text == "2 are chosen: take one back first")
        try assertSnapshot(screen(state, 80, 24), named: "lab-question-80x24")

        _ = update(&state, .key(.enter))
        #expect(screen(state, 80, 24).text.contains("Type your answer:"))
        #expect(update(&state, .key(.enter)).isEmpty && state.status?.text.hasPrefix("type an answer first") == true)
        for character in "/etc/machine-id" { _ = update(&state, .key(.character(character))) }
        let effects = update(&state, .key(.enter))
        #expect(state.modal == nil && state.openLab?.checking == true)
        let flags = try #require(state.labQuestions["quiz"]?.first { $0.check == "flags" })
        guard case .answerLab(let id, let step, let answers)? = effects.first else {
            Issue.record("no answers: \(effects)")
            return
        }
        #expect(id == "quiz" && step == "terms")
        #expect(answers == [LabAnswer(check: "kind", values: [letter]),
                            LabAnswer(check: "flags", values: [LabQuestion.letter(0), LabQuestion.letter(1)]),
                            LabAnswer(check: "file", values: ["/etc/machine-id"])], "\(flags.choices)")
        var kept = try #require(state.labQuestions["quiz"])
        kept[2].answer = ["/etc/machine-id"]
        _ = update(&state, .labAnswered(lab: "quiz", kept))
        #expect(screen(state, 80, 24).text.contains("Questions: 1 of 3 answered"))
    }

    @Test func skippedQuestionsKeepTheirAnswerAndEscKeepsNone() {
        var state = quizState()
        _ = update(&state, .key(.enter))
        _ = update(&state, .key(.character("b")))
        #expect(update(&state, .key(.escape)).isEmpty && state.modal == nil)
        #expect(state.status?.text == "answers left as they were")

        _ = update(&state, .key(.enter))
        for key in [Key.tab, .tab] { _ = update(&state, .key(key)) }
        #expect(screen(state, 80, 24).text.contains("question 3 of 3"))
        for character in "/etc/machine-id" { _ = update(&state, .key(.character(character))) }
        #expect(update(&state, .key(.enter)) == [.answerLab(id: "quiz", step: "terms",
                                                              [LabAnswer(check: "file", values: ["/etc/machine-id"])])],
                "only the question answered is sent; the others keep their answer")
    }

    @Test func aStepWithoutQuestionsSaysSo() {
        var state = quizState()
        _ = update(&state, .key(.right))
        #expect(update(&state, .key(.enter)).isEmpty && state.modal == nil)
        #expect(state.status?.text == "this step asks no questions: do what it says, then c checks it")
    }

    /// A lab with an environment of its own: one machine.
    static func world() throws -> Lab {
        try #require(LabLoader.parse("""
            id: world
            title: A lab with its own world
            environment:
              machines: [{name: "w-vm", memory: 64M, disk: 16M}]
            steps:
              - {id: s, title: S, instructions: I, checks: [{id: c, title: C, command: {run: ["true"]}}]}
            """, file: "world.yaml").lab)
    }

    /// Reading the labs' environments opens libvirt once per lab: it waits for the first machine list.
    @Test func theEnvironmentsAreReadOnceTheMachinesAreListed() throws {
        let world = try Self.world()
        var state = AppState(uri: DashboardFixture.uri, isDemo: false, readOnly: false)
        _ = update(&state, .reconnected(connection: DashboardFixture.uri))
        #expect(update(&state, .labsLoaded(LabShelf(labs: [world, Self.lab], parameters: [:], progress: [:], problems: []))).isEmpty)
        let listed = update(&state, .snapshot(DashboardFixture.snapshot(at: 10, scale: 1)))
        #expect(listed.contains(.readLabEnvironment(id: "world")) && !listed.contains(.readLabEnvironment(id: Self.lab.id)))
        #expect(!update(&state, .snapshot(DashboardFixture.snapshot(at: 12, scale: 2))).contains(.readLabEnvironment(id: "world")),
                "once only")
    }

    @Test func aLabsEnvironmentShowsHowEachItemStandsAndIsChangedAfterAConfirmation() throws {
        let world = try Self.world()
        var state = DashboardFixture.state()
        let effects = update(&state, .labsLoaded(LabShelf(labs: [world, Self.lab], parameters: [:], progress: [:], problems: [])))
        #expect(effects == [.readLabEnvironment(id: "world")], "the selected lab's environment is read when the labs load")
        _ = update(&state, .key(.character("4")))
        #expect(screen(state, 80, 24).text.contains("reading…"))
        _ = update(&state, .labEnvironment(lab: "world", [EnvironmentRow(kind: "machine", name: "w-vm", state: "stopped (should run)", asDeclared: false, made: true)]))
        let text = screen(state, 80, 24).text
        #expect(text.contains("Environment · u up · r reset · D down") && text.contains("machine  w-vm  stopped (should run)"), "\(text)")
        _ = update(&state, .labEnvironment(lab: "world", [EnvironmentRow(kind: "machine", name: "w-vm", state: "missing", asDeclared: false, made: false)]))
        #expect(update(&state, .key(.enter)) == [.startLab(id: "world")])
        #expect(state.status?.text == "world's environment is not all there: u brings it up")
        _ = update(&state, .key(.escape))
        _ = update(&state, .labEnvironment(lab: "world", [EnvironmentRow(kind: "machine", name: "w-vm", state: "stopped (should run)", asDeclared: false, made: true)]))

        #expect(update(&state, .key(.character("r"))) == [.planLabEnvironment(id: "world", .reset)])
        _ = update(&state, .labEnvironmentPlanned(lab: "world", .reset, [PlannedChange(what: "revert VM w-vm to its baseline",
                                                                                       command: "virsh snapshot-revert w-vm virtlab-baseline")]))
        let dialog = screen(state, 80, 24).text
        #expect(dialog.contains("Reset world's environment?") && dialog.contains("virsh snapshot-revert w-vm virtlab-baseline"))
        #expect(update(&state, .key(.character("y"))) == [.changeLabEnvironment(id: "world", .reset)] && state.modal == nil)
        #expect(update(&state, .labEnvironmentChanged(lab: "world", .reset, failure: nil)) == [.readLabEnvironment(id: "world")])
        #expect(state.status?.text == "world's environment: reset to its baseline")

        // The machines list says which VMs a lab made.
        _ = update(&state, .labEnvironment(lab: "world", [EnvironmentRow(kind: "machine", name: "build", state: "as declared", asDeclared: true, made: true)]))
        _ = update(&state, .key(.character("1")))
        let machines = screen(state, 100, 24).text
        #expect(machines.contains("build  (lab world)") && machines.contains("Lab  made by world's environment"), "\(machines)")
        _ = update(&state, .key(.character("4")))

        // A lab without an environment refuses the keys; moving to it reads nothing.
        #expect(LabsPane.move(&state, by: 1).isEmpty)
        #expect(update(&state, .key(.character("u"))).isEmpty)
        #expect(state.status?.text == "demo declares no environment: it works on what you make")
    }

    @Test func cMeansCheckInLabsAndConsoleElsewhere() {
        #expect(Keymap.binding(for: .character("c"), in: .labs)?.id == "labs.check")
        #expect(Keymap.binding(for: .character("c"), in: .machines)?.id == "machines.console")
    }
}
