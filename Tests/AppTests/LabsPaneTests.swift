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
        _ = update(&state, .labsLoaded([Self.lab], parameters: ["demo": Parameters(lab: Self.lab, student: "ana", environment: [:])],
                                       progress: [:], problems: ["bad.yaml:3:1: unknown key 'tittle'"]))
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
        _ = update(&state, .labsLoaded([Self.lab], parameters: [:], progress: [:], problems: []))
        _ = update(&state, .key(.character("/")))
        for character in "gam" { _ = update(&state, .key(.character(character))) }
        let tabs = screen(state, 80, 24).text.split(separator: "\n")[1]
        #expect(tabs.trimmingCharacters(in: .whitespaces).hasSuffix("filter: gam_") && tabs.contains("1 VMs"), "\(tabs)")
    }

    @Test func cMeansCheckInLabsAndConsoleElsewhere() {
        #expect(Keymap.binding(for: .character("c"), in: .labs)?.id == "labs.check")
        #expect(Keymap.binding(for: .character("c"), in: .machines)?.id == "machines.console")
    }
}
