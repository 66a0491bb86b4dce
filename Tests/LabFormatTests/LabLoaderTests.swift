import Foundation
import Testing
import TestTags
import TestSupport
@testable import LabFormat
import LabGrader

@Suite(.tags(.pure)) struct LabLoaderTests {
    func diagnostics(_ yaml: String) -> [String] {
        LabLoader.parse(yaml, file: "lab.yaml").diagnostics.map(\.description)
    }

    static let minimal = """
        id: demo
        title: Demo
        steps:
          - id: one
            title: One
            instructions: Do it.
            checks:
              - id: c1
                title: It is done
                command:
                  run: [true]

        """

    @Test func everyShippedLabLoads() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Repository.labs).filter { $0.hasSuffix(".yaml") }
        #expect(!files.isEmpty)
        for file in files {
            let (lab, problems) = LabLoader.load(file: "\(Repository.labs)/\(file)")
            #expect(problems.isEmpty, "\(file): \(problems.map(\.description))")
            #expect(lab?.id == String(file.dropLast(5)), "a lab's id is its file name")
        }
    }

    @Test func aMinimalLabLoadsWithDefaults() throws {
        let (lab, problems) = LabLoader.parse(Self.minimal, file: "lab.yaml")
        #expect(problems.isEmpty)
        let check = try #require(lab?.steps.first?.checks.first)
        #expect(check.points == 1 && check.timeout == 30 && check.retries == 0 && check.retryDelay == 2)
        #expect(check.target == .host && check.primitive == "command")
        #expect(check.fields["run"] == .command(.argv(["true"])))
    }

    @Test func typedValues() throws {
        let yaml = Self.minimal.replacingOccurrences(of: "        command:\n          run: [true]", with: """
                    target: vm:web1
                    timeout: 1500ms
                    retry_delay: 2m
                    command:
                      run: {shell: "echo hi | wc -c"}
                      stdout: {gt: 2, not: {contains: x}}
            """)
        let (lab, problems) = LabLoader.parse(yaml, file: "lab.yaml")
        #expect(problems.isEmpty, "\(problems)")
        let check = try #require(lab?.steps.first?.checks.first)
        #expect(check.target == .vm("web1") && check.timeout == 1.5 && check.retryDelay == 120)
        #expect(check.fields["run"] == .command(.shell("echo hi | wc -c")))
        #expect(check.fields["stdout"] == .matcher(.all([.number(.gt, 2), .not(.contains("x"))])))
    }

    /// A guest on another host: the name ends at the first '@', the URI keeps its own (user@host).
    @Test func aTargetNamesAGuestOnAnotherHost() throws {
        let yaml = Self.minimal.replacingOccurrences(of: "        title: It is done", with: "        title: It is done\n        target: \"vm:web@qemu+ssh://root@h2/system\"")
        let (lab, problems) = LabLoader.parse(yaml, file: "lab.yaml")
        #expect(problems.isEmpty, "\(problems)")
        #expect(lab?.steps.first?.checks.first?.target == .vm("web", on: "qemu+ssh://root@h2/system"))
        #expect(lab?.steps.first?.checks.first?.target.description == "vm:web@qemu+ssh://root@h2/system")
        let nameless = diagnostics(Self.minimal.replacingOccurrences(of: "        title: It is done", with: "        title: It is done\n        target: \"vm:@qemu:///system\""))
        #expect(nameless.contains { $0.contains("target vm:NAME@URI needs a name and a libvirt URI (got 'vm:@qemu:///system')") }, "\(nameless)")
    }

    @Test func malformedYAMLIsOneDiagnosticWithItsPosition() {
        #expect(diagnostics("id: x\ntitle: [unclosed\n") == ["lab.yaml:3:1: YAML: did not find expected ',' or ']'"])
        #expect(diagnostics("") == ["lab.yaml:1:1: the file is empty"])
    }

    @Test func unknownKeysSuggestTheRightOne() {
        let found = diagnostics(Self.minimal.replacingOccurrences(of: "    title: It is done", with: "    titel: It is done"))
        #expect(found.contains("lab.yaml:9:9: unknown key 'titel' in a check (did you mean 'title'?)"))
        #expect(found.contains { $0.hasPrefix("lab.yaml:8:9: a check needs 'title'") })
    }

    @Test func unknownPrimitiveOrTwoPrimitives() {
        let none = diagnostics(Self.minimal.replacingOccurrences(of: "command:", with: "comand:"))
        #expect(none.contains { $0.contains("unknown key 'comand' in a check (did you mean 'command'?)") })
        let two = diagnostics(Self.minimal + "        kvm: {present: true}\n")
        #expect(two.contains { $0.contains("a check has exactly one primitive; this one has command and kvm") })
    }

    @Test func wrongTypesSayWhatIsExpected() {
        let found = diagnostics(Self.minimal.replacingOccurrences(of: "title: It is done", with:
            "title: It is done\n        points: many\n        timeout: soon\n        needs: {a: b}"))
        #expect(found.contains("lab.yaml:10:17: 'points' must be a whole number"))
        #expect(found.contains("lab.yaml:11:18: expected a duration such as 30s, 2m or 500ms"))
        #expect(found.contains("lab.yaml:12:16: 'needs' must be a list of strings"))
    }

    @Test func commandsAreNeverShellStringsByAccident() {
        let found = diagnostics(Self.minimal.replacingOccurrences(of: "run: [true]", with: "run: virsh start {{student}}"))
        #expect(found.contains { $0.hasPrefix("lab.yaml:11:16: a command is a list of arguments") })
    }

    @Test func duplicateIDsUnknownNeedsAndCycles() {
        let yaml = """
            id: demo
            title: Demo
            steps:
              - id: one
                title: One
                instructions: Do it.
                checks:
                  - {id: a, title: A, needs: [b], command: {run: [true]}}
                  - {id: b, title: B, needs: [a], command: {run: [true]}}
                  - {id: c, title: C, needs: [ghost], command: {run: [true]}}
              - id: one
                title: Again
                instructions: Do it again.
                checks:
                  - {id: a, title: A again, command: {run: [true]}}

            """
        let found = diagnostics(yaml)
        #expect(found.contains("lab.yaml:11:9: duplicate step id 'one'"))
        #expect(found.contains("lab.yaml:15:14: duplicate check id 'a' (also in step 'one')"))
        #expect(found.contains { $0.hasSuffix("check 'c' needs 'ghost', which no step defines") })
        #expect(found.filter { $0.contains("'needs' forms a cycle") }.count == 1)
    }

    @Test func captureUsedBeforeItIsMade() {
        let yaml = Self.minimal.replacingOccurrences(of: "        command:\n          run: [true]", with: """
                    compare: {left: later, right: later, equal: true}
                  - id: c2
                    title: Makes it
                    capture: {as: later, run: [hostname]}
            """)
        let found = diagnostics(yaml)
        #expect(found.filter { $0.contains("capture 'later' is used before it is made") }.count == 2)
    }

    @Test func unknownParametersTargetsMatchersAndRequirements() {
        let yaml = """
            id: demo
            title: Demo
            requirements: [libvirt, quantum]
            parameters: {vm: "lab-{student}"}
            steps:
              - id: one
                title: One
                instructions: Start {{vm}} and {{vmm}}.
                checks:
                  - id: a
                    title: A
                    target: box:web
                    command: {run: [true], stdout: {contain: x}}
                  - id: b
                    title: B
                    command: {run: [true], stdout: {regex: "(["}}

            """
        let found = diagnostics(yaml)
        #expect(found.contains { $0.contains("unknown requirement 'quantum'") })
        #expect(found.contains { $0.contains("unknown parameter '{{vmm}}' (defined: cloud_image, hash, student, vm)") })
        #expect(found.contains { $0.contains("target must be host, vm:NAME, vm:NAME@URI (a VM on another host) or container:NAME (got 'box:web')") })
        #expect(found.contains { $0.contains("unknown matcher 'contain' (did you mean 'contains'?)") })
        #expect(found.contains { $0.contains("'([' is not a valid regular expression") })
    }

    @Test func missingRequiredFieldsOfAPrimitive() {
        let found = diagnostics(Self.minimal.replacingOccurrences(of: "run: [true]", with: "exit_status: 0"))
        #expect(found.contains { $0.contains("'command' needs 'run'") })
        let empty = diagnostics(Self.minimal.replacingOccurrences(of: "command:\n          run: [true]", with: "cpu_flags: {}"))
        #expect(empty.contains { $0.contains("'cpu_flags' needs any_of, all_of or none_of") })
    }

    @Test func everyDiagnosticIsOneLineWithAPosition() {
        let garbage = ["- just\n- a list\n", "id: [1, 2]\ntitle: {}\nsteps: yes\n", ":\n  - :\n", "\u{0}\u{1}"]
        for text in garbage {
            let found = LabLoader.parse(text, file: "g.yaml").diagnostics
            #expect(!found.isEmpty)
            for diagnostic in found {
                #expect(!diagnostic.description.contains("\n"))
                #expect(diagnostic.line >= 1 && diagnostic.column >= 1)
            }
        }
    }

    @Test func durations() {
        #expect(Reader.seconds("30s") == 30 && Reader.seconds("2m") == 120 && Reader.seconds("250ms") == 0.25)
        #expect(Reader.seconds("1h") == 3600 && Reader.seconds("7") == 7)
        #expect(Reader.seconds("-1s") == nil && Reader.seconds("soon") == nil)
    }
}

/// docs/lab-format.md must describe exactly what the loader accepts.
@Suite(.tags(.pure)) struct LabFormatDocumentTests {
    static let document = Repository.document("lab-format.md")

    @Test func everyKeyIsDocumented() throws {
        let text = try String(contentsOfFile: Self.document, encoding: .utf8)
        for (part, fields) in [("lab", Schema.lab), ("step", Schema.step), ("check", Schema.check),
                               ("environment", Schema.environment), ("network", Schema.environmentNetwork),
                               ("machine", Schema.environmentMachine), ("container", Schema.environmentContainer)] {
            for key in fields.keys { #expect(text.contains("| `\(key)` |"), "\(part) key \(key) is not documented") }
        }
        for requirement in Requirement.allCases { #expect(text.contains(requirement.rawValue)) }
    }

    /// The environment's and the primitives' sections are generated from the loader's tables and the registry; a
    /// new key or primitive shows up in the document or this fails with the command that regenerates them.
    @Test func theGeneratedSectionsAreTheLoadersOwn() throws {
        let text = try String(contentsOfFile: Self.document, encoding: .utf8)
        let start = try #require(text.range(of: "## Environment\n"))
        let end = try #require(text.range(of: "\n## What the validator catches", range: start.upperBound..<text.endIndex))
        let generated = Schema.referenceDocument(Primitives.catalog)
        #expect(String(text[start.lowerBound..<end.lowerBound]).trimmingCharacters(in: .whitespacesAndNewlines)
                == generated.trimmingCharacters(in: .whitespacesAndNewlines),
                "docs/lab-format.md's Environment and Primitives sections are stale: virtlab lab schema --markdown")
        for format in Primitives.catalog.formats {
            #expect(generated.contains("### `\(format.name)`"))
            for key in format.fields.keys { #expect(generated.contains("| `\(key)` |"), "\(format.name).\(key)") }
        }
    }

    @Test func theReadmeCountsThePrimitivesTheRegistryHas() throws {
        let readme = try String(contentsOf: Repository.root.appendingPathComponent("README.md"), encoding: .utf8)
        let count = Primitives.catalog.formats.count
        #expect(readme.contains("— \(count) primitives from"), "README.md's Labs section counts \(count) primitives")
    }
}

/// docs/lab.schema.json is the loader's tables as a JSON Schema; regenerate with `virtlab lab schema`.
@Suite(.tags(.pure)) struct LabJSONSchemaTests {
    static let schema = Repository.document("lab.schema.json")

    @Test func theCommittedSchemaIsTheLoadersOwn() throws {
        let committed = try String(contentsOfFile: Self.schema, encoding: .utf8)
        #expect(committed.trimmingCharacters(in: .whitespacesAndNewlines) == Schema.jsonSchema(primitives: Primitives.catalog),
                "docs/lab.schema.json is stale: virtlab lab schema > docs/lab.schema.json")
    }

    @Test func everyShippedLabValidatesAgainstTheSchema() async throws {
        // python3-jsonschema is installed by make test; PyYAML reads the YAML.
        let script = """
            import json, sys, yaml, jsonschema
            schema = json.load(open(sys.argv[1]))
            for path in sys.argv[2:]:
                jsonschema.validate(yaml.safe_load(open(path)), schema)
            print("ok")
            """
        let labs = try FileManager.default.contentsOfDirectory(atPath: Repository.labs)
            .filter { $0.hasSuffix(".yaml") }.map { "\(Repository.labs)/\($0)" }
        let schema = Self.schema
        let result = try await Run.command(["/usr/bin/python3", "-c", script, schema] + labs)
        #expect(result.status == 0 && result.stdout.contains("ok"), "\(result.stderr)")
        // And the schema refuses what the loader refuses: an unknown key.
        let bad = NSTemporaryDirectory() + "bad-\(UUID().uuidString.prefix(6)).yaml"
        try "id: x\ntitle: X\ntittle: oops\nsteps: []\n".write(toFile: bad, atomically: true, encoding: .utf8)
        await #expect(try await Run.command(["/usr/bin/python3", "-c", script, schema, bad]).status != 0)
    }
}

/// `environment:` is checked like the rest of the file: every mistake at its line and column, nothing half-read.
@Suite(.tags(.pure)) struct EnvironmentFormatTests {
    static func lab(_ environment: String) -> String {
        LabLoaderTests.minimal.replacingOccurrences(of: "steps:\n", with: "parameters: {vm: \"env-{student}\"}\nenvironment:\n\(environment)steps:\n")
    }

    @Test func aWorldLoadsWithItsDefaultsAndTheStudentsValues() throws {
        let yaml = Self.lab("""
              networks:
                - {name: "net-{{student}}", mode: isolated, subnet: 192.168.150.1/24, dhcp: 192.168.150.10-192.168.150.99}
              machines:
                - {name: "{{vm}}", memory: 1G, disk: 64M, networks: ["net-{{student}}"], state: shut off}
                - {name: "{{vm}}-b", memory: "96", vcpus: 2, image: debian-12}
              containers:
                - {name: "box-{{student}}", image: docker.io/library/busybox:latest, command: [sleep, infinity],
                   ports: ["127.0.0.1:8080:80", "5353:53/udp"], volumes: ["/srv/{{student}}:/srv:ro", "data:/var/lib/data"]}

            """)
        let (lab, problems) = LabLoader.parse(yaml, file: "lab.yaml")
        #expect(problems.isEmpty, "\(problems)")
        let world = try #require(lab?.environment).expanded(Parameters(values: ["vm": "env-ana", "student": "ana"]))
        #expect(world.networks == [.init(name: "net-ana", mode: "isolated", subnet: "192.168.150.1/24", dhcp: "192.168.150.10-192.168.150.99")])
        #expect(world.machines == [
            .init(name: "env-ana", memoryMiB: 1024, vcpus: 1, diskMiB: 64, image: nil, networks: ["net-ana"], running: false),
            .init(name: "env-ana-b", memoryMiB: 96, vcpus: 2, diskMiB: nil, image: "debian-12", networks: [], running: true),
        ])
        #expect(world.containers == [.init(name: "box-ana", image: "docker.io/library/busybox:latest", command: ["sleep", "infinity"],
                                          interactive: false, running: true, ports: ["127.0.0.1:8080:80", "5353:53/udp"],
                                          volumes: ["/srv/ana:/srv:ro", "data:/var/lib/data"])])
        #expect(world.summary == [
            "network net-ana (isolated, 192.168.150.1/24, DHCP 192.168.150.10-192.168.150.99)",
            "machine env-ana (1024 MiB, 1 vCPU, a new 64 MiB disk, NICs on net-ana; shut off)",
            "machine env-ana-b (96 MiB, 2 vCPUs, an overlay on debian-12, no NIC; running)",
            "container box-ana (docker.io/library/busybox:latest, runs sleep infinity, ports 127.0.0.1:8080:80 5353:53/udp; running)",
        ])
        #expect(Environment.publishedPort("127.0.0.1:8080:80")! == ("127.0.0.1", 8080, 80, "tcp"))
        #expect(Environment.publishedPort("5353:53/udp")! == ("", 5353, 53, "udp"))
        #expect(Environment.publishedPort("80") == nil && Environment.publishedPort("8080:80/sctp") == nil
                && Environment.publishedPort("70000:80") == nil)
        #expect(LabLoader.parse(LabLoaderTests.minimal, file: "lab.yaml").lab?.environment == nil)
    }

    @Test func aMachineMayBeAnAppliancesDisks() throws {
        let yaml = Self.lab("""
              machines:
                - {name: "{{vm}}", memory: 96M, ova: "/srv/appliances/{{student}}.ova"}
                - {name: two, memory: 96M, disk: 64M, ova: /srv/x.ova}

            """)
        let said = LabLoader.parse(yaml, file: "lab.yaml").diagnostics.map(\.description)
        #expect(said == ["lab.yaml:7:7: a machine needs a disk: 'disk' (a new empty one of that size), 'image' (an overlay on it) "
                         + "or 'ova' (an appliance's disks), one of them"], "\(said)")
        let good = yaml.split(separator: "\n").filter { !$0.contains("two") }.joined(separator: "\n") + "\n"
        let lab = try #require(LabLoader.parse(good, file: "lab.yaml").lab)
        let machine = try #require(lab.environment?.expanded(Parameters(values: ["vm": "env-ana", "student": "ana"])).machines.first)
        #expect(machine.ova == "/srv/appliances/ana.ova" && machine.image == nil && machine.diskMiB == nil)
        #expect(lab.environment?.summary.first?.contains("the disks of appliance /srv/appliances/{{student}}.ova") == true)
    }

    @Test func aMachinesFirstBootIsCloudInits() throws {
        let yaml = Self.lab("""
              machines:
                - name: "{{vm}}"
                  memory: 512M
                  image: debian-12
                  cloud_init: {user: "{{student}}", ssh_key: ~/.ssh/id_ed25519.pub, packages: [nginx], commands: ["touch /root/{{student}}"]}
                - {name: blank, memory: 64M, disk: 64M, cloud_init: {user: nobody}}
                - {name: odd, memory: 64M, image: x, cloud_init: {ssh_key: k}}
                - {name: both, memory: 64M, image: x, cloud_init: {user: u, ssh_key: k, ssh_key_pair: p}}
                - {name: "{{vm}}-2", memory: 512M, image: debian-12, cloud_init: {user: u, ssh_key_pair: "/tmp/{{student}}/key"}}

            """)
        let said = LabLoader.parse(yaml, file: "lab.yaml").diagnostics.map(\.description)
        #expect(said.contains { $0.hasPrefix("lab.yaml:10:57: cloud_init needs 'image': a cloud image that has cloud-init") }, "\(said)")
        #expect(said.contains { $0.hasPrefix("lab.yaml:11:54: cloud_init needs 'user'") }, "\(said)")
        #expect(said.contains("lab.yaml:12:91: give ssh_key (a public key file you have) or ssh_key_pair (one lab up makes), not both"),
                "\(said)")
        let good = yaml.split(separator: "\n").filter { !$0.contains("blank") && !$0.contains("odd") && !$0.contains("both") }
            .joined(separator: "\n")
        let (lab, problems) = LabLoader.parse(good + "\n", file: "lab.yaml")
        #expect(problems.isEmpty, "\(problems)")
        let machine = try #require(lab?.environment?.expanded(Parameters(values: ["vm": "env-ana", "student": "ana"])).machines.first)
        #expect(machine.cloudInit == .init(user: "ana", sshKey: "~/.ssh/id_ed25519.pub", packages: ["nginx"], commands: ["touch /root/ana"]))
        let second = try #require(lab?.environment?.expanded(Parameters(values: ["vm": "env-ana", "student": "ana"])).machines.last)
        #expect(second.cloudInit == .init(user: "u", sshKey: nil, keyPair: "/tmp/ana/key", packages: [], commands: []))
    }

    @Test func eachMistakeIsSaidAtItsPlace() {
        let found = LabLoader.parse(Self.lab("""
              networks:
                - {name: a, mode: bridged}
                - {name: a, mode: nat}
              machines:
                - {name: m, memory: lots, disk: 64M, image: debian-12, state: paused, vcpus: 0}
                - {name: "{{vmm}}", memory: 64M}
              containers:
                - {name: c, image: busybox, state: sleeping, ports: [80], volumes: [data]}
              volumes: []

            """), file: "lab.yaml").diagnostics.map(\.description)
        #expect(found.contains("lab.yaml:6:23: network mode 'bridged': use isolated (host-only), nat, route or open"), "\(found)")
        #expect(found.contains { $0.hasPrefix("lab.yaml:7:7: two networks are named 'a' in the environment") }, "\(found)")
        #expect(found.contains("lab.yaml:9:25: 'memory' must be a size such as 64M, 512M or 2G (got 'lots')"), "\(found)")
        #expect(found.contains { $0.hasPrefix("lab.yaml:9:7: a machine needs a disk") }, "\(found)")
        #expect(found.contains("lab.yaml:9:67: machine state 'paused': use running or shut off"), "\(found)")
        #expect(found.contains("lab.yaml:9:82: 'vcpus' is at least 1"), "\(found)")
        #expect(found.contains { $0.hasPrefix("lab.yaml:10:7: a machine needs a disk") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("lab.yaml:10:14: unknown parameter '{{vmm}}'") }, "\(found)")
        #expect(found.contains("lab.yaml:12:40: container state 'sleeping': use running or exited"), "\(found)")
        #expect(found.contains { $0.hasPrefix("lab.yaml:12:57: port '80': write HOSTPORT:PORT or IP:HOSTPORT:PORT") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("lab.yaml:12:72: volume 'data': write SOURCE:/PATH[:ro]") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("lab.yaml:13:3: unknown key 'volumes' in the environment") }, "\(found)")
    }
}
