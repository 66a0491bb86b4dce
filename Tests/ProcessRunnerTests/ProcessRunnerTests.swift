import BlockingWork
import Foundation
import ProcessRunner
import Synchronization
import Testing
import TestTags

/// The one process runner the doctor, the grader and the tests share.
/// The runner on a thread of its own, as virtlab calls it: no test waits for a process on a cooperative thread.
func run(_ argv: [String], timeout: Double? = nil, environment: [String: String]? = nil,
         outputCap: Int? = nil) async -> ProcessOutcome {
    await BlockingPool.run { ProcessRunner.run(argv, timeout: timeout, environment: environment, outputCap: outputCap) }
}

@Suite(.tags(.pure)) struct ProcessRunnerTests {
    @Test func statusAndBothStreamsComeBack() async {
        let outcome = await run(["sh", "-c", "echo out; echo err >&2; exit 3"])
        #expect(outcome == ProcessOutcome(status: 3, stdout: "out\n", stderr: "err\n"))
    }

    @Test func aTimeoutKillsTheWholeGroup() async throws {
        let pidFile = NSTemporaryDirectory() + "vl-runner-\(UUID().uuidString.prefix(6)).pid"
        defer { try? FileManager.default.removeItem(atPath: pidFile) }
        // The shell's child records its pid and sleeps on; killing only the shell would leave it running.
        let outcome = await run(["sh", "-c", "sh -c 'echo $$ > \(pidFile); exec sleep 60' & sleep 60"], timeout: 2)
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
        while running() && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        #expect(!running(), "the shell's child (pid \(pid)) survived the timeout")
    }

    @Test func outputBeyondTheCapIsDrainedAndSaidSo() async {
        let outcome = await run(["sh", "-c", "head -c 200000 /dev/zero | tr '\\\\0' x"], outputCap: 1000)
        #expect(outcome.status == 0 && outcome.stdout.count == 1000 && outcome.truncated)
    }

    @Test func aMissingProgramIs127WithItsName() async {
        let outcome = await run(["vl-no-such-program"])
        #expect(outcome.status == 127 && outcome.stderr.contains("vl-no-such-program"))
        #expect(ProcessRunner.find("vl-no-such-program") == nil && ProcessRunner.find("sh") != nil)
    }

    @Test func theEnvironmentIsTheOneGiven() async {
        let outcome = await run(["sh", "-c", "echo \"$VL_ONLY-${HOME:-none}\""], environment: ["VL_ONLY": "yes",
                                                                                                      "PATH": "/usr/bin:/bin"])
        #expect(outcome.stdout == "yes-none\n")
    }

    @Test func childrenDoNotInheritBlockedSignals() async {
        // The test runner's threads block signals; a child that inherited that would ignore SIGTERM.
        let outcome = await run(["sh", "-c", "grep SigBlk /proc/self/status"])
        #expect(outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("0000000000000000"))
    }

    @Test func childrenHaveTheDefaultSigpipeThoughVirtlabIgnoresIt() async {
        // virtlab ignores SIGPIPE for libvirt's sake; a child's pipeline must still end its producer quietly.
        signal(SIGPIPE, SIG_IGN)
        let outcome = await run(["sh", "-c", "grep SigIgn /proc/self/status; yes | head -c 1 >/dev/null"])
        let ignored = outcome.stdout.split(separator: "\t").last.flatMap { UInt64($0.trimmingCharacters(in: .whitespacesAndNewlines), radix: 16) }
        #expect(ignored.map { $0 & (1 << (UInt64(SIGPIPE) - 1)) } == 0, "SigIgn: \(outcome.stdout)")
        #expect(outcome.status == 0 && outcome.stderr.isEmpty, "\(outcome.stderr)")
    }
}

/// A program that leaves a daemon behind, or a daemon started by another thread at the same moment, must never
/// keep a run waiting: the run ends when its program has, and no run's pipe leaks into another's children.
@Suite(.tags(.pure)) struct LongLivedChildrenTests {
    @Test func aDaemonHoldingTheOutputDoesNotHoldTheRun() async throws {
        // The sleeper inherits the shell's stdout and stderr and keeps them open for ten minutes.
        let outcome = await run(["sh", "-c", "echo before; setsid sleep 600 & echo $!"], timeout: 120)
        let sleeper = outcome.stdout.split(separator: "\n").last.flatMap { pid_t($0) }
        defer { if let sleeper { kill(sleeper, SIGKILL) } }
        #expect(!outcome.timedOut && outcome.status == 0, "the run waited for the daemon's end of its pipes")
        #expect(outcome.stdout.hasPrefix("before\n") && sleeper != nil)
    }

    @Test func aShortRunBesideAHundredDaemonsAlwaysReturnsAndLeaksNothingIntoThem() async throws {
        let started = Mutex<[pid_t]>([])
        defer { for pid in started.withLock({ $0 }) { kill(pid, SIGKILL) } }
        // One thread starts daemons whose streams are /dev/null: anything else they hold came from virtlab.
        async let starting: Void = BlockingPool.run {
            for _ in 0..<100 {
                let outcome = ProcessRunner.run(["sh", "-c", "setsid sleep 600 </dev/null >/dev/null 2>&1 & echo $!"],
                                                timeout: 120)
                if let pid = pid_t(outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) {
                    started.withLock { $0.append(pid) }
                }
            }
        }
        // Another runs short commands meanwhile.
        let short = await BlockingPool.run {
            (0..<100).map { _ in ProcessRunner.run(["sh", "-c", "echo ok"], timeout: 120) }
        }
        await starting
        #expect(short.allSatisfy { $0.status == 0 && $0.stdout == "ok\n" && !$0.timedOut })
        let daemons = started.withLock { $0 }
        #expect(daemons.count == 100)
        // `$!` names the shell's child, which becomes `sleep` only when it execs: on a busy machine the last ones
        // may still be the shell (holding descriptors of its own) when the loop ends. Wait for the exec itself.
        let exec = await BlockingPool.run {
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                let comms = daemons.map { try? String(contentsOfFile: "/proc/\($0)/comm", encoding: .utf8) }
                if comms.allSatisfy({ $0 == nil || $0 == "sleep\n" }) { return true }
                usleep(10_000)
            }
            return false
        }
        #expect(exec, "every daemon became sleep within a minute")
        let leaky = daemons.filter { pid in
            let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
            return !Set(fds).isSubset(of: ["0", "1", "2"])
        }
        #expect(leaky.isEmpty, "daemons holding descriptors of virtlab's: \(leaky)")
    }
}
