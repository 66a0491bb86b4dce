import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import ImageKit
import Testing
import TestTags
import TestSupport
@testable import LabGrader
import LabFormat

/// Loads a lab from YAML text, failing the test on any diagnostic.
func lab(_ yaml: String) throws -> Lab {
    let (lab, problems) = LabLoader.parse(yaml, file: "test.yaml")
    #expect(problems.isEmpty, "\(problems.map(\.description))")
    return try #require(lab)
}

/// A one-step lab around the given checks (YAML list items, indented by 6).
func oneStep(_ checks: String, parameters: String = "") -> String {
    """
    id: t
    title: T
    \(parameters)
    steps:
      - id: s
        title: S
        instructions: Do.
        hints: [try harder]
        checks:
    \(checks)
    """
}

func grade(_ yaml: String, uri: String = "test:///default") async throws -> [String: CheckResult] {
    let report = await Grader(lab: try lab(yaml), student: "tester", libvirtURI: uri).grade()
    return Dictionary(report.steps.flatMap(\.results).map { ($0.check, $0) }, uniquingKeysWith: { a, _ in a })
}

@Suite(.tags(.pure)) struct GraderTests {
    let scratch: String

    init() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("virtlab-grader-\(UUID())").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
    }

    @Test func commandStatusAndStreams() async throws {
        let results = try await grade(oneStep("""
              - {id: ok, title: OK, command: {run: [sh, -c, "echo 42; echo warn >&2"], stdout: {ge: 40}, stderr: warn}}
              - {id: status, title: Status, command: {run: [sh, -c, "exit 3"], exit_status: 3}}
              - {id: bad, title: Bad, failure: "not today", command: {run: [echo, hello], stdout: {regex: "^bye"}}}
              - {id: missing, title: Missing, command: {run: [no-such-program-here]}}
        """))
        #expect(results["ok"]?.status == .pass && results["status"]?.status == .pass)
        #expect(results["bad"]?.status == .fail && results["bad"]?.message == "not today")
        #expect(results["bad"]?.expected == "exit status 0, stdout matches /^bye/")
        #expect(results["bad"]?.output == "hello" && results["bad"]?.command == "echo hello")
        #expect(results["missing"]?.status == .fail && results["missing"]?.got == "exit status 127")
        #expect(results["missing"]?.message == "hint: try harder")
    }

    @Test func needsSkipInsteadOfFailing() async throws {
        let results = try await grade(oneStep("""
              - {id: first, title: First, command: {run: ["false"]}}
              - {id: second, title: Second, needs: [first], command: {run: ["true"]}}
              - {id: third, title: Third, needs: [second], command: {run: ["true"]}}
        """))
        #expect(results["first"]?.status == .fail)
        #expect(results["second"]?.status == .skipped && results["second"]?.message == "skipped: needs first, which did not pass")
        #expect(results["third"]?.status == .skipped && results["third"]?.attempts == 0)
    }

    @Test func retriesUntilItPasses() async throws {
        let counter = "\(scratch)/count"
        let results = try await grade(oneStep("""
              - id: flaky
                title: Flaky
                retries: 4
                retry_delay: 10ms
                command: {run: {shell: "echo x >> \(counter); test $(wc -l < \(counter)) -ge 3"}}
        """))
        #expect(results["flaky"]?.status == .pass && results["flaky"]?.attempts == 3)
    }

    @Test func aHangingCheckIsKilledWithEverythingItStarted() async throws {
        let marker = "\(scratch)/survived"
        let results = try await grade(oneStep("""
              - id: hang
                title: Hangs
                timeout: 300ms
                command: {run: {shell: "(sleep 1; touch \(marker)) & sleep 60"}}
        """))
        #expect(results["hang"]?.status == .error)
        #expect(results["hang"]?.message?.contains("timed out") == true)
        try await Task.sleep(for: .milliseconds(1500))
        #expect(!FileManager.default.fileExists(atPath: marker), "the process group was not killed")
    }

    @Test func aFloodOfOutputIsCapped() async throws {
        let results = try await grade(oneStep("""
              - {id: flood, title: Flood, command: {run: {shell: "head -c 50000000 /dev/zero | tr '\\\\0' x; exit 1"}}}
        """))
        let output = try #require(results["flood"]?.output)
        #expect(output.count < 3000 && output.hasSuffix("[output capped at 64 KiB]"))
    }

    @Test func filesByExistenceEmptinessModeContentsAndDigest() async throws {
        let file = "\(scratch)/answer.txt"
        try "vmx\n".write(toFile: file, atomically: true, encoding: .utf8)
        chmod(file, 0o640)
        let results = try await grade(oneStep("""
              - {id: exists, title: E, file: {path: \(file), empty: false, mode: "0640", contents: {regex: "^vmx$"}}}
              - {id: digest, title: D, file: {path: \(file), sha256: 5b3a8e0b2f4ec4d2bd1a1b3a0ee1a4b3c1d5e0f7b0c6f2d6a7e0b5c3c1f8a9d0}}
              - {id: absent, title: A, file: {path: \(scratch)/nothing, exists: false}}
              - {id: present, title: P, file: {path: \(scratch)/nothing}}
        """))
        #expect(results["exists"]?.status == .pass, "\(String(describing: results["exists"]))")
        #expect(results["digest"]?.status == .fail)
        let actual = try await Run.command(["sha256sum", file]).stdout.split(separator: " ")[0]
        #expect(results["digest"]?.got == "sha256 \(actual)")
        #expect(results["absent"]?.status == .pass && results["present"]?.status == .fail)
    }

    @Test func capturesAndCompareAcrossChecks() async throws {
        let results = try await grade(oneStep("""
              - {id: a, title: A, capture: {as: one, run: [echo, "id=abc"], regex: "id=(\\\\w+)"}}
              - {id: b, title: B, capture: {as: two, run: [echo, abc]}}
              - {id: c, title: C, capture: {as: three, run: [echo, xyz]}}
              - {id: same, title: Same, compare: {left: one, right: two, equal: true}}
              - {id: differ, title: Differ, compare: {left: one, right: three, equal: false}}
              - {id: wrong, title: Wrong, compare: {left: one, right: three, equal: true}}
        """))
        #expect(results["same"]?.status == .pass && results["differ"]?.status == .pass)
        #expect(results["wrong"]?.status == .fail && results["wrong"]?.got == "one = abc, three = xyz")
    }

    @Test func jsonPathAndXPath() async throws {
        let results = try await grade(oneStep("""
              - {id: j, title: J, jsonpath: {run: [echo, '{"status":"done","errors":[]}'], path: $.status, value: done}}
              - {id: x, title: X, xpath: {run: [echo, "<domain><vcpu>4</vcpu></domain>"], path: /domain/vcpu, value: {ge: 2}}}
              - {id: notjson, title: N, jsonpath: {run: [echo, nope], path: $.a, value: x}}
        """))
        #expect(results["j"]?.status == .pass && results["x"]?.status == .pass)
        #expect(results["notjson"]?.status == .fail && results["notjson"]?.got == "not JSON")
    }

    /// XPath 1.0 expressions, not only node paths: "no forward element" is `count(/network/forward)` = 0.
    @Test func xPathExpressionsCountTestAndRead() async throws {
        let xml = "<network><name>lab</name><bridge name='virbr1'/><ip address='10.0.0.1'/><ip address='10.1.0.1'/></network>"
        let results = try await grade(oneStep("""
              - {id: count, title: C, xpath: {run: [echo, "\(xml)"], path: "count(/network/ip)", value: {eq: 2}}}
              - {id: absent, title: A, xpath: {run: [echo, "\(xml)"], path: "count(/network/forward)", value: {eq: 0}}}
              - {id: bool, title: B, xpath: {run: [echo, "\(xml)"], path: "boolean(/network/forward)", value: "false"}}
              - {id: string, title: S, xpath: {run: [echo, "\(xml)"], path: "string(/network/bridge/@name)", value: virbr1}}
              - {id: nodes, title: N, xpath: {run: [echo, "\(xml)"], path: "/network/ip/@address", value: "10.0.0.1,10.1.0.1"}}
              - {id: nothing, title: E, xpath: {run: [echo, "\(xml)"], path: "/network/forward", value: {regex: "."}}}
              - {id: broken, title: X, xpath: {run: [echo, "\(xml)"], path: "count(/network/", value: "1"}}
              - {id: notxml, title: Y, xpath: {run: [echo, "not xml"], path: "/a", value: "1"}}
        """))
        for id in ["count", "absent", "bool", "string", "nodes"] {
            #expect(results[id]?.status == .pass, "\(id): \(String(describing: results[id]))")
        }
        #expect(results["nothing"]?.status == .fail && results["nothing"]?.got == "/network/forward matched nothing")
        #expect(results["broken"]?.status == .error
                && results["broken"]?.message == "'count(/network/' is not an XPath 1.0 expression")
        #expect(results["notxml"]?.status == .fail && results["notxml"]?.got == "not XML")
    }

    @Test func hostFactsAgreeWithHostDoctor() async throws {
        let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let hasExtensions = cpuinfo.contains(" vmx") || cpuinfo.contains(" svm")
        let results = try await grade(oneStep("""
              - {id: flags, title: F, cpu_flags: {any_of: [vmx, svm]}}
              - {id: noflags, title: N, cpu_flags: {none_of: [vmx, svm]}}
              - {id: kvm, title: K, kvm: {present: \(FileManager.default.fileExists(atPath: "/dev/kvm"))}}
        """))
        #expect(results["flags"]?.status == (hasExtensions ? .pass : .fail))
        #expect(results["noflags"]?.status == (hasExtensions ? .fail : .pass))
        #expect(results["kvm"]?.status == .pass)
    }

    @Test func domainChecksOnAFixtureHypervisor() async throws {
        let fixture = try TestDriverFixture(vms: [.init(name: "web1", vcpus: 2, running: true, mac: "52:54:00:00:00:07")])
        let results = try await grade(oneStep("""
              - {id: up, title: Up, domain: {name: web1, state: running, vcpus: 2, macs: "52:54:00:00:00:07", disk_format: qcow2}}
              - {id: off, title: Off, domain: {name: web1, state: shut off}}
              - {id: gone, title: Gone, domain: {name: ghost, exists: false}}
              - {id: net, title: Net, network: {name: labnet, active: true}}
              - {id: pool, title: Pool, pool: {name: nopool}}
        """), uri: fixture.uri)
        #expect(results["up"]?.status == .pass, "\(String(describing: results["up"]))")
        #expect(results["off"]?.status == .fail && results["off"]?.got == "state running")
        #expect(results["gone"]?.status == .pass && results["net"]?.status == .pass)
        #expect(results["pool"]?.status == .fail && results["pool"]?.got == "absent")
    }

    @Test func imagesByTheirHeaders() async throws {
        let qcow2 = "\(scratch)/disk.qcow2", raw = "\(scratch)/disk.img", iso = "\(scratch)/fake.qcow2"
        await #expect(try await Run.command(["qemu-img", "create", "-q", "-f", "qcow2", qcow2, "64M"]).status == 0)
        await #expect(try await Run.command(["qemu-img", "create", "-q", "-f", "raw", raw, "1M"]).status == 0)
        // An ISO named .qcow2: the header decides, not the name.
        var isoBytes = Data(count: 32769)
        isoBytes.append(Data("CD001".utf8))
        isoBytes.append(Data(count: 2042))
        try isoBytes.write(to: URL(fileURLWithPath: iso))
        #expect(DiskImage.inspect(path: qcow2)?.format == "qcow2" && DiskImage.inspect(path: qcow2)?.virtualSize == 64 << 20)
        #expect(DiskImage.inspect(path: raw)?.format == "raw" && DiskImage.inspect(path: iso)?.format == "iso")
        #expect(DiskImage.inspect(path: "\(scratch)/none") == nil)
        let overlay = "\(scratch)/overlay.qcow2"
        await #expect(try await Run.command(["qemu-img", "create", "-q", "-f", "qcow2", "-b", qcow2, "-F", "qcow2", overlay]).status == 0)
        let results = try await grade(oneStep("""
              - {id: o, title: O, image: {path: \(overlay), format: qcow2, backing_file: \(qcow2), virtual_size: {eq: 67108864}}}
        """))
        #expect(results["o"]?.status == .pass, "\(String(describing: results["o"]))")
    }

}

/// Every lab in labs/, proven against its own reference solution on this machine (the real libvirtd for
/// libvirt labs: `make test` starts it).
@Suite(.serialized, .tags(.guest)) struct ShippedLabTests {
    /// Labs on the host, libvirt and the engine; the ones that build on the student's cloud VM are proven in sequence
    /// by GuestLabsEndToEndTests, the ones with an environment of their own by ShippedEnvironmentLabTests and
    /// ShippedGuestEnvironmentLabTests (through `lab up`).
    static var labFiles: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: Repository.labs)) ?? [])
            .filter { $0.hasSuffix(".yaml") }.sorted()
            .filter { file in
                let lab = LabLoader.load(file: "\(Repository.labs)/\(file)").lab
                return lab?.requirements.contains(.cloudImage) == false && lab?.environment == nil
            }
    }

    init() {
        // The containers lab runs busybox as both of its containers here: no registry to pull from.
        setenv("VIRTLAB_LAB_APP_IMAGE", TestEngine.image, 1)
        setenv("VIRTLAB_LAB_OS_IMAGE", TestEngine.image, 1)
        // Solutions call virtlab itself (the appliance lab imports with it).
        let binDirectory = (Run.virtlabBinary as NSString).deletingLastPathComponent
        setenv("PATH", binDirectory + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"), 1)
    }

    @Test(arguments: labFiles)
    func failsUntouchedAndPassesAfterItsSolution(file: String) async throws {
        let lab = try #require(LabLoader.load(file: "\(Repository.labs)/\(file)").lab)
        let student = "ci-\(UUID().uuidString.prefix(6))"
        let answers = AnswerStore(environment: ["XDG_STATE_HOME": NSTemporaryDirectory() + "virtlab-answers-\(student)"])
        let grader = Grader(lab: lab, student: student, libvirtURI: "qemu:///system", answers: answers)
        // What a step starts from (the snapshots lab's VM and baseline, the appliance's OVA) is made first.
        for (step, outcome) in await grader.setUp() {
            #expect(outcome.status == 0 && !outcome.timedOut, "setup of \(lab.id)/\(step): \(outcome.stderr)")
        }
        let before = await grader.grade()
        #expect(before.earned == 0, "untouched, \(lab.id) must earn nothing:\n\(ReportFormat.text.render(before))")
        #expect(before.possible == lab.points)

        let solved = await grader.solve()
        // A step is solved by its commands, or by the right answers to its questions.
        #expect(solved.count == lab.steps.filter { $0.solve != nil || $0.checks.contains { $0.primitive == "question" } }.count)
        for (step, outcome) in solved { #expect(outcome.status == 0, "solve of \(step): \(outcome.stderr)") }
        let after = await grader.grade()
        #expect(after.allPassed && after.earned == lab.points, "\(ReportFormat.text.render(after))")

        _ = await grader.cleanUp()
        _ = answers.reset(lab: lab.id, student: student)  // as `lab reset` forgets the answers with the progress
        let reset = await grader.grade()
        #expect(reset.earned == 0, "cleanup must undo the solution:\n\(ReportFormat.text.render(reset))")
    }

    @Test func theFirstLabIsGradedOnTheFactsOfTheMachine() async throws {
        let lab = try #require(LabLoader.load(file: Repository.labs + "/check-extensions.yaml").lab)
        let statuses = await Dictionary(Grader(lab: lab, student: "facts-\(UUID().uuidString.prefix(6))",
                                               libvirtURI: "test:///default").grade().steps.flatMap(\.results)
            .map { ($0.check, $0.status) }, uniquingKeysWith: { a, _ in a })
        #expect(statuses["answer-written"] == .fail && statuses["answer-matches"] == .skipped)
        #expect(statuses["truth"] == .pass)
    }
}

@Suite(.tags(.pure)) struct ReportFormatTests {
    func sampleReport() async throws -> LabReport {
        await Grader(lab: try lab(oneStep("""
              - {id: good, title: "Good <one>", command: {run: ["true"]}}
              - {id: bad, title: Bad, points: 2, command: {run: ["false"]}}
              - {id: later, title: Later, needs: [bad], command: {run: ["true"]}}
        """)), student: "ann", libvirtURI: "test:///default").grade()
    }

    @Test func everyFormatCarriesTheResults() async throws {
        let report = try await sampleReport()
        #expect(report.earned == 1 && report.possible == 4)
        let text = ReportFormat.text.render(report)
        #expect(text.contains("FAIL  Bad  (0/2)") && text.hasSuffix("Grade: 1/4 points (25%)"))
        let json = try JSONSerialization.jsonObject(with: Data(ReportFormat.json.render(report).utf8)) as? [String: Any]
        #expect(json?["earned"] as? Int == 1 && json?["possible"] as? Int == 4)
        let junit = ReportFormat.junit.render(report)
        #expect((try? XMLDocument(xmlString: junit, options: [])) != nil)
        #expect(junit.contains("failures=\"1\"") && junit.contains("<skipped"))
        let tap = ReportFormat.tap.render(report).split(separator: "\n")
        #expect(tap[1] == "1..3" && tap.contains { $0.hasPrefix("not ok 2 s/bad") } && tap.contains { $0.contains("# SKIP") })
        #expect(ReportFormat.markdown.render(report).contains("| Bad | FAIL | 0/2 |"))
    }

    @Test func progressIsSavedAtomicallyAndReset() async throws {
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("virtlab-state-\(UUID())").path
        let store = ProgressStore(environment: ["XDG_STATE_HOME": state])
        let report = try await sampleReport()
        try store.save(report)
        let saved = try String(contentsOfFile: store.path(lab: "t", student: "ann"), encoding: .utf8)
        #expect(saved.contains("\"earned\" : 1"))
        #expect(store.reset(lab: "t", student: "ann") && !store.reset(lab: "t", student: "ann"))
    }

    @Test func studentNamesCannotEscapePaths() {
        #expect(Parameters.sanitize("../../etc/passwd") == "etcpasswd")
        #expect(Parameters.sanitize("") == "student" && Parameters.sanitize("Ann-Marie_2") == "Ann-Marie_2")
    }
}

/// A primitive is one file in Sources/LabGrader/Primitives and one line in the registry: a file without its
/// line would be a primitive no lab can use.
@Suite(.tags(.pure)) struct PrimitiveRegistryTests {
    @Test func everyPrimitiveFileIsRegisteredOnceUnderItsOwnName() throws {
        let folder = Repository.root.appendingPathComponent("Sources/LabGrader/Primitives").path
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".swift") }
        #expect(files.count == Primitives.all.count, "files: \(files.sorted())")
        let names = Primitives.all.map { $0.format.name }
        #expect(Set(names).count == names.count, "a name is registered twice: \(names)")
        #expect(Primitives.catalog.names == names.sorted())
    }

    @Test func anUnregisteredPrimitiveIsRefusedByTheLoaderWithTheKnownOnes() {
        let (lab, problems) = LabLoader.parse(oneStep("""
                  - id: c
                    title: C
                    dns: {name: example}
            """), file: "t.yaml")
        #expect(lab == nil)
        #expect(problems.contains { $0.message.hasPrefix("a check needs one primitive: capture, cloud_init, command") })
    }
}

/// Checks block on processes; the grader runs each on a thread of its own, so a lab of slow checks never
/// holds the cooperative pool (two threads on 2 cores) that the dashboard and the engine client need.
@Suite(.tags(.pure)) struct GradingConcurrencyTests {
    @Test func slowChecksRunSideBySideAndThePoolStaysFree() async throws {
        let marks = NSTemporaryDirectory() + "vl-pool-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: marks, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: marks) }
        let checks = (1...4).map { index in
            """
                  - id: slow\(index)
                    title: slow \(index)
                    command: {run: {shell: "touch \(marks)/\(index); until [ -e \(marks)/go ]; do sleep 0.05; done"}}
            """
        }.joined(separator: "\n")
        let grader = Grader(lab: try lab(oneStep(checks)), student: "pool", libvirtURI: "test:///default")
        let finished = Flag()
        let grading = Task {
            let report = await grader.grade()
            finished.raise()
            return report
        }
        // All four are running at once: more than the pool has threads (a generous bound: CI machines are busy).
        let deadline = ContinuousClock.now + .seconds(120)
        while (try FileManager.default.contentsOfDirectory(atPath: marks)).count < 4 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: marks).count == 4)
        // And the pool still runs other work while they sleep.
        #expect(await Task.detached { true }.value)
        #expect(!finished.isRaised, "the checks were still running")
        // Only now may they end: each waits for this file, not for a time.
        #expect(FileManager.default.createFile(atPath: "\(marks)/go", contents: nil))
        let report = await grading.value
        #expect(report.allPassed && report.earned == 4)
    }
}

/// The `network` primitive on a private test-driver hypervisor: `labnet` is NAT on 192.168.150.0/24 with
/// bridge virbr9 and DHCP 192.168.150.2-254, not autostarted; `web1` has a NIC on it.
@Suite(.tags(.pure)) struct NetworkPrimitiveTests {
    @Test func modeSubnetBridgeAndRangeAreJudgedOnTheDefinition() async throws {
        let fixture = try TestDriverFixture(vms: [.init(name: "web1", running: true)])
        let results = try await grade(oneStep("""
                  - id: right
                    title: labnet is a NAT network on 192.168.150.0/24
                    network: {name: labnet, active: true, autostart: false, mode: nat, bridge: virbr9,
                              subnet: 192.168.150.0/24, dhcp_start: 192.168.150.2, dhcp_end: {contains: ".254"}}
                  - id: wrong-mode
                    title: labnet is host-only
                    network: {name: labnet, mode: isolated}
                  - id: gone
                    title: no network called other
                    network: {name: other, exists: false}
                  - id: lease
                    title: web1 has a lease
                    network: {name: labnet, lease_for: web1}
            """), uri: fixture.uri)
        #expect(results["right"]?.status == .pass, "\(String(describing: results["right"]))")
        #expect(results["wrong-mode"]?.status == .fail && results["wrong-mode"]?.got == "mode nat")
        #expect(results["gone"]?.status == .pass)
        // The test driver keeps no leases: the check cannot be judged, and says why (on QEMU it is).
        #expect(results["lease"]?.status == .error)
        #expect(results["lease"]?.message?.contains("cannot read the leases of network 'labnet'") == true)
    }
}

@Suite(.tags(.pure)) struct ReachablePrimitiveTests {
    /// The test driver's addresses are made up: no connection is ever tried to one.
    @Test func aVMWithoutAReachableAddressFailsAndSaysWhy() async throws {
        let fixture = try TestDriverFixture(vms: [.init(name: "web1", running: true)])
        defer { fixture.remove() }
        let results = try await grade(oneStep("""
                  - {id: elsewhere, title: On another network, reachable: {vm: web1, network: other}}
                  - {id: made-up, title: Its made-up address, reachable: {vm: web1, port: 22}}
                  - {id: missing, title: No such VM, reachable: {vm: nope}}
            """), uri: fixture.uri)
        #expect(results["elsewhere"]?.status == .fail && results["elsewhere"]?.got == "web1 has no NIC on network other")
        #expect(results["made-up"]?.status == .error
                && results["made-up"]?.message?.contains("libvirt's test driver: its addresses are made up") == true,
                "\(String(describing: results["made-up"]))")
        #expect(results["missing"]?.status == .error && results["missing"]?.message?.contains("no VM 'nope'") == true)
    }
}
