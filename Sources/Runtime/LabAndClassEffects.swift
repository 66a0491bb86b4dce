import App
import Foundation
import LabFormat

/// The labs and the class: tasks the loop never waits for (a lab's setup may boot a guest for minutes).
extension DashboardRuntime {
    func startLab(_ id: String) {
        guard let lab = state.labs.first(where: { $0.id == id }) else { return }
        // Setup runs once, when the lab is first opened (the saved progress says it was).
        let fresh = state.labProgress[id] == nil
        let labs = labs
        Task.detached { [self] in
            let (unmet, failures) = await labs.start(lab, fresh: fresh)
            for failure in failures { post(.labFailed(failure)) }
            post(.labStarted(id: id, unmet: unmet))
        }
    }

    func checkLab(_ id: String, _ step: String?) {
        guard let lab = state.labs.first(where: { $0.id == id }) else { return }
        Task.detached { [self] in await grade(lab, step) }
    }

    private nonisolated func grade(_ lab: Lab, _ step: String?) async {
        let (report, saveError) = await labs.check(lab, step: step)
        post(.labChecked(report, checkedStep: step))
        if let saveError { post(.labFailed("progress not saved: \(saveError)")) }
    }

    /// Keeps the answers, then grades their step, so the results show right away.
    func answerLab(_ id: String, _ step: String, _ answers: [LabAnswer]) {
        guard let lab = state.labs.first(where: { $0.id == id }) else { return }
        Task.detached { [self] in
            do {
                post(.labAnswered(lab: id, try await labs.answer(lab, answers)))
            } catch {
                return post(.labFailed("answers not kept: \(userLine(error))"))
            }
            await grade(lab, step)
        }
    }

    func readLabEnvironment(_ id: String) {
        guard let lab = state.labs.first(where: { $0.id == id }) else { return }
        Task.detached { [self] in
            do { post(.labEnvironment(lab: id, try await labs.environment(lab))) } catch {
                post(.labEnvironment(lab: id, [EnvironmentRow(kind: "", name: "cannot read it:", state: userLine(error), asDeclared: false, made: false)]))
            }
        }
    }

    func planLabEnvironment(_ id: String, _ change: EnvironmentChange) {
        guard let lab = state.labs.first(where: { $0.id == id }) else { return }
        Task.detached { [self] in
            do { post(.labEnvironmentPlanned(lab: id, change, try await labs.plan(change, lab))) } catch {
                post(.labFailed("\(change.verb) \(id): \(userLine(error))"))
            }
        }
    }

    /// Each step is a Log row with its command, as an action's is.
    func changeLabEnvironment(_ id: String, _ change: EnvironmentChange) {
        guard let lab = state.labs.first(where: { $0.id == id }) else { return }
        Task.detached { [self] in
            do {
                try await labs.perform(change, lab) { [self] connection, step, outcome in
                    record((connection, step.what, step.command), outcome)
                }
                post(.labEnvironmentChanged(lab: id, change, failure: nil))
            } catch {
                post(.labEnvironmentChanged(lab: id, change, failure: userLine(error)))
            }
        }
    }

    nonisolated func loadClass() {
        guard let classroom else { return }
        Task {
            do { post(.classLoaded(try await classroom.board())) } catch { post(.classFailed(userLine(error))) }
        }
    }

    nonisolated func regrade(_ students: [String]?) {
        guard let classroom else { return post(.classFailed("no class open: start with 'virtlab ui --class DIR'")) }
        Task {
            do {
                let board = try await classroom.regrade(students: students)
                let who = students.map { $0.joined(separator: ", ") } ?? "the class"
                logger.info("graded \(who)")
                post(.classGraded(board, students: students))
                post(.actionFinished("graded \(who)"))
            } catch {
                post(.classFailed(userLine(error)))
            }
        }
    }

    nonisolated func fetchClassReport(_ student: String, _ lab: String) {
        guard let classroom else { return }
        Task {
            do {
                post(.document(title: "\(student) · \(lab)", try await classroom.report(student: student, lab: lab)))
            } catch {
                post(.actionFailed(userLine(error)))
            }
        }
    }
}
