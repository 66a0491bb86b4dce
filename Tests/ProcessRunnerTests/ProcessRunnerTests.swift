import Foundation
import ProcessRunner
import Testing

/// The one process runner the doctor, the grader and the tests share.
@Suite struct ProcessRunnerTests {
    @Test func statusAndBothStreamsComeBack() {
        let outcome = ProcessRunner.run(["sh", "-c", "echo out; echo err >&2; exit 3"])
        #expect(outcome == ProcessOutcome(status: 3, stdout: "out\n", stderr: "err\n"))
    }

    @Test func aTimeoutKillsTheWholeGroup() throws {
        let pidFile = NSTemporaryDirectory() + "vl-runner-\(UUID().uuidString.prefix(6)).pid"
        defer { try? FileManager.default.removeItem(atPath: pidFile) }
        // The shell's child records its pid and sleeps on; killing only the shell would leave it running.
        let outcome = ProcessRunner.run(["sh", "-c", "sh -c 'echo $$ > \(pidFile); exec sleep 60' & sleep 60"], timeout: 2)
        #expect(outcome.timedOut && outcome.status == 128 + SIGKILL)
        let pid = try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        // Dead is gone, or a zombie until something reaps it; wait (bounded) for that state, not for a time.
        func running() -> Bool {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            let state = stat[stat.index(close, offsetBy: 2)]
            return state != "Z" && state != "X"
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while running() && ContinuousClock.now < deadline { usleep(10_000) }
        #expect(!running(), "the shell's child (pid \(pid)) survived the timeout")
    }

    @Test func outputBeyondTheCapIsDrainedAndSaidSo() {
        let outcome = ProcessRunner.run(["sh", "-c", "head -c 200000 /dev/zero | tr '\\\\0' x"], outputCap: 1000)
        #expect(outcome.status == 0 && outcome.stdout.count == 1000 && outcome.truncated)
    }

    @Test func aMissingProgramIs127WithItsName() {
        let outcome = ProcessRunner.run(["vl-no-such-program"])
        #expect(outcome.status == 127 && outcome.stderr.contains("vl-no-such-program"))
        #expect(ProcessRunner.find("vl-no-such-program") == nil && ProcessRunner.find("sh") != nil)
    }

    @Test func theEnvironmentIsTheOneGiven() {
        let outcome = ProcessRunner.run(["sh", "-c", "echo \"$VL_ONLY-${HOME:-none}\""], environment: ["VL_ONLY": "yes",
                                                                                                      "PATH": "/usr/bin:/bin"])
        #expect(outcome.stdout == "yes-none\n")
    }

    @Test func childrenDoNotInheritBlockedSignals() {
        // The test runner's threads block signals; a child that inherited that would ignore SIGTERM.
        let outcome = ProcessRunner.run(["sh", "-c", "grep SigBlk /proc/self/status"])
        #expect(outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("0000000000000000"))
    }
}
