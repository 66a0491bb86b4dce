import Foundation
import ContainerKit
import Crypto
import HostDoctor
import ImageKit
import Inventory
import Providers
import Synchronization
import VirtKit
#if canImport(FoundationXML)
import FoundationXML
#endif

/// What grading needs around the checks: the student's parameters, libvirt connections when a check asks,
/// the user SSH logs in as when a guest's agent does not answer, and the values `capture` checks saved.
public final class GradingContext: Sendable {
    public let parameters: Parameters
    public let libvirtURI: String
    public let sshUser: String
    let captures = Mutex<[String: String]>([:])
    /// Read-only for facts; read-write only where the guest agent is asked (libvirt refuses it read-only).
    private let connections = Mutex<[Bool: Connection]>([:])

    public init(parameters: Parameters, libvirtURI: String,
                sshUser: String = ProcessInfo.processInfo.environment["VIRTLAB_SSH_USER"]
                    ?? ProcessInfo.processInfo.environment["USER"] ?? "root") {
        self.parameters = parameters
        self.libvirtURI = libvirtURI
        self.sshUser = sshUser
    }

    private let engineClient = Mutex<EngineClient?>(nil)

    /// One engine connection per grading (its version asked once), made when a check first needs it.
    func engine() throws -> EngineClient {
        try engineClient.withLock { cached in
            if let cached { return cached }
            let connected = runBlocking { () async -> Result<EngineClient, EngineError> in
                do { return .success(try await EngineClient.connect().0) }
                catch let error as EngineError { return .failure(error) }
                catch { return .failure(EngineError(.failed, "\(error)")) }
            }
            let client = try connected.get()
            cached = client
            return client
        }
    }

    func libvirt(writable: Bool = false) throws -> Connection {
        try connections.withLock { open in
            if let existing = open[writable] { return existing }
            let opened = try Connection(uri: libvirtURI, readOnly: !writable)
            open[writable] = opened
            return opened
        }
    }
}

/// The result of one attempt at one check.
struct Verdict: Error {
    var passed: Bool
    var expected: String?
    var got: String?
    var command: String?
    var output: String?
    /// Set when the check could not be judged at all (a timeout, a missing tool): reported as an error.
    var error: String?
    /// No retry can change it (the target does not exist).
    var final = false

    static func judged(_ passed: Bool, expected: String?, got: String?) -> Verdict {
        Verdict(passed: passed, expected: expected, got: got)
    }

    static func failure(_ message: String) -> Verdict { Verdict(passed: false, error: message) }
}

/// Gives each primitive its meaning.
struct Evaluator {
    let context: GradingContext

    func evaluate(_ check: Check, timeout: Double) -> Verdict {
        let fields = check.fields.mapValues(context.parameters.expand)
        let target = context.parameters.expand(check.target)
        switch check.primitive {
        case "command": return command(fields, target, timeout)
        case "file": return file(fields, target, timeout)
        case "cpu_flags": return cpuFlags(fields, target, timeout)
        case "kvm": return kvm(fields)
        case "virt_detect": return virtDetect(fields, target, timeout)
        case "capture": return capture(fields, target, timeout)
        case "compare": return compare(fields)
        case "jsonpath": return jsonPath(fields, target, timeout)
        case "xpath": return xPath(fields, target, timeout)
        case "domain": return domain(fields)
        case "network", "pool": return libvirtObject(check.primitive, fields)
        case "image": return image(fields)
        case "cloud_init": return cloudInit(fields, target, timeout)
        case "container": return container(fields)
        default: return .failure("unknown primitive '\(check.primitive)'")
        }
    }

    private func flag(_ fields: [String: FieldValue], _ key: String) -> Bool? {
        if case .bool(let value)? = fields[key] { value } else { nil }
    }

    // MARK: Processes

    /// Runs a command in the target; a target that cannot run anything becomes the verdict.
    private func run(_ spec: CommandSpec, _ target: Target, _ timeout: Double) -> Result<(ProcessOutcome, String), Verdict> {
        let described = HostProcess.describe(spec, on: target)
        switch TargetShell(context: context).run(spec, on: target, timeout: timeout) {
        case .success(let outcome):
            guard !outcome.timedOut else {
                return .failure(Verdict(passed: false, command: described, output: trimmed(outcome),
                                        error: "timed out after \(Int(timeout)) s and was killed"))
            }
            return .success((outcome, described))
        case .failure(let unavailable):
            return .failure(Verdict(passed: false, command: described, error: unavailable.message,
                                    final: unavailable.missing))
        }
    }

    /// Runs a command in the target and judges its output; a command that could not run is the verdict.
    private func judge(_ spec: CommandSpec, _ target: Target, _ timeout: Double,
                       _ judgement: (ProcessOutcome, String) -> Verdict) -> Verdict {
        switch run(spec, target, timeout) {
        case .success(let (outcome, described)): judgement(outcome, described)
        case .failure(let verdict): verdict
        }
    }

    private func trimmed(_ outcome: ProcessOutcome) -> String {
        let text = (outcome.stdout + (outcome.stderr.isEmpty ? "" : "\n[stderr] " + outcome.stderr))
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let shown = text.count > 2000 ? String(text.prefix(2000)) + "…" : text
        return outcome.truncated ? shown + " [output capped at \(HostProcess.outputCap / 1024) KiB]" : shown
    }

    private func command(_ fields: [String: FieldValue], _ target: Target, _ timeout: Double) -> Verdict {
        guard case .command(let spec)? = fields["run"] else { return .failure("no command") }
        return judge(spec, target, timeout) { outcome, described in
            var verdict = Verdict(passed: true, command: described, output: trimmed(outcome))
            var expected: [String] = [], got: [String] = []
            let wantedStatus = fields["exit_status"].flatMap { if case .int(let n) = $0 { n } else { nil } } ?? 0
            expected.append("exit status \(wantedStatus)")
            got.append("exit status \(outcome.status)")
            verdict.passed = Int(outcome.status) == wantedStatus
            for stream in ["stdout", "stderr"] {
                guard case .matcher(let matcher)? = fields[stream] else { continue }
                expected.append("\(stream) \(matcher.summary)")
                let text = stream == "stdout" ? outcome.stdout : outcome.stderr
                if !matcher.matches(text) {
                    verdict.passed = false
                    got.append("\(stream) did not match")
                }
            }
            verdict.expected = expected.joined(separator: ", ")
            verdict.got = got.joined(separator: ", ")
            return verdict
        }
    }

    private func capture(_ fields: [String: FieldValue], _ target: Target, _ timeout: Double) -> Verdict {
        guard case .command(let spec)? = fields["run"], case .string(let name)? = fields["as"] else {
            return .failure("capture needs run and as")
        }
        return judge(spec, target, timeout) { outcome, described in
            var value = outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            if case .string(let pattern)? = fields["regex"] {
                guard let regex = try? NSRegularExpression(pattern: pattern, options: [.anchorsMatchLines]),
                      let match = regex.firstMatch(in: value, range: NSRange(value.startIndex..., in: value)),
                      match.numberOfRanges > 1, let range = Range(match.range(at: 1), in: value) else {
                    return Verdict(passed: false, expected: "output matching /\(pattern)/", got: value.isEmpty ? "nothing" : value,
                                   command: described, output: trimmed(outcome))
                }
                value = String(value[range])
            }
            guard outcome.status == 0, !value.isEmpty else {
                return Verdict(passed: false, expected: "a value", got: "exit status \(outcome.status), "
                               + (value.isEmpty ? "no output" : value), command: described, output: trimmed(outcome))
            }
            context.captures.withLock { $0[name] = value }
            return Verdict(passed: true, expected: nil, got: "\(name) = \(value)", command: described)
        }
    }

    private func compare(_ fields: [String: FieldValue]) -> Verdict {
        guard case .string(let left)? = fields["left"], case .string(let right)? = fields["right"],
              case .bool(let equal)? = fields["equal"] else { return .failure("compare needs left, right and equal") }
        let (a, b) = context.captures.withLock { ($0[left], $0[right]) }
        guard let a, let b else {
            return .failure("nothing captured as \(a == nil ? left : right) (its capture check did not pass)")
        }
        return .judged((a == b) == equal, expected: "\(left) \(equal ? "equals" : "differs from") \(right)",
                       got: "\(left) = \(a), \(right) = \(b)")
    }

    // MARK: Files and host facts

    /// What the file primitive judges, read on the host directly or in a target with stat and cat.
    private struct FileFacts {
        var size = 0, mode = -1
        var owner = "?"
        var contents = Data()
    }

    private func fileFacts(_ path: String, _ target: Target, _ timeout: Double, contents: Bool)
        -> Result<FileFacts?, Verdict>
    {
        guard target != .host else {
            guard FileManager.default.fileExists(atPath: path) else { return .success(nil) }
            let attributes = (try? FileManager.default.attributesOfItem(atPath: path)) ?? [:]
            return .success(FileFacts(size: (attributes[.size] as? NSNumber)?.intValue ?? 0,
                                      mode: (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1,
                                      owner: attributes[.ownerAccountName] as? String ?? "?",
                                      contents: contents ? FileManager.default.contents(atPath: path) ?? Data() : Data()))
        }
        return run(.argv(["stat", "-L", "-c", "%s %a %U", "--", path]), target, timeout).flatMap { outcome, _ in
            guard outcome.status == 0 else { return .success(nil) }
            let words = outcome.stdout.split(whereSeparator: \.isWhitespace).map(String.init)
            let facts = FileFacts(size: Int(words.first ?? "") ?? 0, mode: Int(words.dropFirst().first ?? "", radix: 8) ?? -1,
                                  owner: words.dropFirst(2).first ?? "?")
            guard contents else { return .success(facts) }
            return run(.argv(["cat", "--", path]), target, timeout).map { read, _ in
                var withContents = facts
                withContents.contents = Data(read.stdout.utf8)
                return withContents
            }
        }
    }

    private func file(_ fields: [String: FieldValue], _ target: Target, _ timeout: Double) -> Verdict {
        guard case .string(let path)? = fields["path"] else { return .failure("no path") }
        let found: FileFacts?
        switch fileFacts(path, target, timeout, contents: fields["contents"] != nil || fields["sha256"] != nil) {
        case .success(let facts): found = facts
        case .failure(let verdict): return verdict
        }
        let wantExists = flag(fields, "exists") ?? true
        guard (found != nil) == wantExists else {
            return .judged(false, expected: "\(path) \(wantExists ? "exists" : "is absent")",
                           got: found != nil ? "it exists" : "no such file")
        }
        guard let facts = found else { return .judged(true, expected: "\(path) is absent", got: "absent") }
        var expected: [String] = [], got: [String] = []
        var passed = true
        if case .bool(let wantEmpty)? = fields["empty"] {
            expected.append(wantEmpty ? "empty" : "not empty")
            got.append("\(facts.size) bytes")
            passed = passed && ((facts.size == 0) == wantEmpty)
        }
        if case .string(let mode)? = fields["mode"] {
            expected.append("mode \(mode)")
            got.append("mode 0" + String(facts.mode, radix: 8))
            passed = passed && Int(mode, radix: 8) == facts.mode
        }
        if case .string(let owner)? = fields["owner"] {
            expected.append("owner \(owner)")
            got.append("owner \(facts.owner)")
            passed = passed && facts.owner == owner
        }
        if case .matcher(let matcher)? = fields["contents"] {
            let text = String(decoding: facts.contents.prefix(HostProcess.outputCap), as: UTF8.self)
            expected.append("contents \(matcher.summary)")
            let matched = matcher.matches(text)
            got.append(matched ? "contents match" : "contents: " + String(text.prefix(200)))
            passed = passed && matched
        }
        if case .string(let digest)? = fields["sha256"] {
            let actual = SHA256.hash(data: facts.contents).map { String(format: "%02x", $0) }.joined()
            expected.append("sha256 \(digest)")
            got.append("sha256 \(actual)")
            passed = passed && actual == digest.lowercased()
        }
        return .judged(passed, expected: expected.isEmpty ? "\(path) exists" : expected.joined(separator: ", "),
                       got: got.isEmpty ? "it exists" : got.joined(separator: ", "))
    }

    /// /proc/cpuinfo of the target: the host's, or a guest's (whose CPU model libvirt chose).
    private func cpuinfo(_ target: Target, _ timeout: Double) -> Result<String, Verdict> {
        guard target != .host else {
            guard case .success(let text) = HostFiles().read("/proc/cpuinfo") else {
                return .failure(.failure("/proc/cpuinfo is not readable"))
            }
            return .success(text)
        }
        return run(.argv(["cat", "/proc/cpuinfo"]), target, timeout).map(\.0.stdout)
    }

    private func cpuFlags(_ fields: [String: FieldValue], _ target: Target, _ timeout: Double) -> Verdict {
        let cpuinfo: String
        switch self.cpuinfo(target, timeout) {
        case .success(let text): cpuinfo = text
        case .failure(let verdict): return verdict
        }
        let flags = CPUVirtualization.flags(cpuinfo: cpuinfo)
        var passed = true
        var expected: [String] = []
        if case .strings(let any)? = fields["any_of"] {
            expected.append("any of \(any.joined(separator: ", "))")
            passed = passed && any.contains(where: flags.contains)
        }
        if case .strings(let all)? = fields["all_of"] {
            expected.append("all of \(all.joined(separator: ", "))")
            passed = passed && all.allSatisfy(flags.contains)
        }
        if case .strings(let none)? = fields["none_of"] {
            expected.append("none of \(none.joined(separator: ", "))")
            passed = passed && !none.contains(where: flags.contains)
        }
        let relevant = ["vmx", "svm", "hypervisor"].filter(flags.contains)
        return .judged(passed, expected: expected.joined(separator: "; "),
                       got: relevant.isEmpty ? "no vmx, svm or hypervisor flag" : relevant.joined(separator: ", "))
    }

    private func kvm(_ fields: [String: FieldValue]) -> Verdict {
        let device = KVMDevice.probe()
        var passed = true
        var expected: [String] = []
        if case .bool(let present)? = fields["present"] {
            expected.append(present ? "/dev/kvm present" : "/dev/kvm absent")
            passed = passed && device.exists == present
        }
        if case .bool(let usable)? = fields["usable"] {
            expected.append(usable ? "/dev/kvm usable" : "/dev/kvm not usable")
            passed = passed && device.usable == usable
        }
        return .judged(passed, expected: expected.joined(separator: ", "),
                       got: device.usable ? "/dev/kvm usable" : device.problem ?? "unusable")
    }

    /// On the host, HostDoctor's own detection (it explains its clues); in a guest or container, what
    /// systemd-detect-virt says there.
    private func virtDetect(_ fields: [String: FieldValue], _ target: Target, _ timeout: Double) -> Verdict {
        guard case .matcher(let matcher)? = fields["is"] else { return .failure("no condition") }
        guard target == .host else {
            return judge(.argv(["systemd-detect-virt"]), target, timeout) { outcome, described in
                let found = outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                return Verdict(passed: matcher.matches(found), expected: "runs on \(matcher.summary)",
                               got: found.isEmpty ? "no answer" : found, command: described, output: trimmed(outcome))
            }
        }
        let cpu = (try? HostFiles().read("/proc/cpuinfo").get()).map(CPUVirtualization.init(cpuinfo:))
            ?? CPUVirtualization(cpuinfo: "")
        let found = VirtualizationDetection.detect(cpu: cpu)
        return .judged(matcher.matches(found.summary), expected: "runs on \(matcher.summary)",
                       got: "\(found.summary) (\(found.clues.joined(separator: "; ")))")
    }

    // MARK: Structured output

    private func jsonPath(_ fields: [String: FieldValue], _ target: Target, _ timeout: Double) -> Verdict {
        guard case .command(let spec)? = fields["run"], case .string(let path)? = fields["path"],
              case .matcher(let matcher)? = fields["value"] else { return .failure("jsonpath needs run, path, value") }
        return judge(spec, target, timeout) { outcome, described in
            guard let json = try? JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8), options: [.fragmentsAllowed]) else {
                return Verdict(passed: false, expected: "JSON output", got: "not JSON", command: described,
                               output: trimmed(outcome))
            }
            guard let value = JSONPath.value(at: path, in: json) else {
                return Verdict(passed: false, expected: "\(path) \(matcher.summary)", got: "\(path) not found",
                               command: described, output: trimmed(outcome))
            }
            return Verdict(passed: matcher.matches(value), expected: "\(path) \(matcher.summary)", got: "\(path) = \(value)",
                           command: described)
        }
    }

    private func xPath(_ fields: [String: FieldValue], _ target: Target, _ timeout: Double) -> Verdict {
        guard case .string(let path)? = fields["path"], case .matcher(let matcher)? = fields["value"] else {
            return .failure("xpath needs path and value")
        }
        var xml = "", source = ""
        if case .string(let name)? = fields["domain"] {
            do { xml = try context.libvirt().domain(named: name).xml() } catch {
                return .failure("cannot read the XML of domain '\(name)': \(error)")
            }
            source = "domain \(name)"
        } else if case .command(let spec)? = fields["run"] {
            switch run(spec, target, timeout) {
            case .success(let (outcome, described)): (xml, source) = (outcome.stdout, described)
            case .failure(let verdict): return verdict
            }
        }
        guard let document = try? XMLDocument(xmlString: xml, options: []),
              let nodes = try? document.nodes(forXPath: path) else {
            return Verdict(passed: false, expected: "XML with \(path)", got: "not XML, or a bad XPath", command: source)
        }
        let values = nodes.compactMap(\.stringValue)
        let joined = values.joined(separator: ",")
        return Verdict(passed: !values.isEmpty && matcher.matches(joined), expected: "\(path) \(matcher.summary)",
                       got: values.isEmpty ? "\(path) matched nothing" : "\(path) = \(joined)", command: source)
    }

    // MARK: libvirt and images

    private func domain(_ fields: [String: FieldValue]) -> Verdict {
        guard case .string(let name)? = fields["name"] else { return .failure("no domain name") }
        let connection: Connection
        do { connection = try context.libvirt() } catch { return .failure("cannot connect to libvirt: \(error)") }
        let wantExists = flag(fields, "exists") ?? true
        guard let domain = try? connection.domain(named: name) else {
            return .judged(!wantExists, expected: "domain \(name) \(wantExists ? "exists" : "is absent")",
                           got: "no domain \(name) on \(connection.uri)")
        }
        guard wantExists else { return .judged(false, expected: "domain \(name) is absent", got: "it exists") }
        guard let details = try? domain.details() else { return .failure("cannot read domain \(name)") }
        var facts: [String: String] = [
            "state": details.state.map { MachineState($0).label } ?? "unknown", "uuid": details.uuid, "nic_count": "\(details.nics.count)",
            "macs": details.nics.map(\.mac).joined(separator: ","), "memory_mib": "\(details.maxMemoryKiB / 1024)",
            "vcpus": "\(details.vcpus)", "disk_format": details.disks.first { $0.device == "disk" }?.format ?? "",
        ]
        if let disk = details.disks.first(where: { $0.device == "disk" })?.source {
            facts["backing_file"] = DiskImage.inspect(path: disk)?.backingFile ?? ""
        }
        var passed = true, expected: [String] = [], got: [String] = []
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) where !["name", "exists"].contains(key) {
            switch (key, value) {
            case ("autostart", .bool(let want)):
                expected.append("autostart \(want)")
                got.append("autostart \(details.autostart)")
                passed = passed && details.autostart == want
            case ("has_snapshot", .string(let snapshot)):
                let names = (try? domain.snapshots().map(\.name)) ?? []
                expected.append("snapshot \(snapshot)")
                got.append("snapshots: \(names.isEmpty ? "none" : names.joined(separator: ", "))")
                passed = passed && names.contains(snapshot)
            case (_, .matcher(let matcher)):
                let actual = facts[key] ?? ""
                expected.append("\(key) \(matcher.summary)")
                got.append("\(key) \(actual)")
                passed = passed && matcher.matches(actual)
            default: break
            }
        }
        return .judged(passed, expected: expected.isEmpty ? "domain \(name) exists" : expected.joined(separator: ", "),
                       got: got.isEmpty ? "it exists" : got.joined(separator: ", "))
    }

    private func libvirtObject(_ kind: String, _ fields: [String: FieldValue]) -> Verdict {
        guard case .string(let name)? = fields["name"] else { return .failure("no name") }
        let found: (exists: Bool, active: Bool)
        do {
            let connection = try context.libvirt()
            if kind == "network" {
                let net = try connection.networks().first { $0.name == name }
                found = (net != nil, net?.active ?? false)
            } else {
                let pool = try connection.storagePools().first { $0.name == name }
                found = (pool != nil, pool?.active ?? false)
            }
        } catch {
            return .failure("cannot ask libvirt: \(error)")
        }
        let wantExists = flag(fields, "exists") ?? true
        var passed = found.exists == wantExists
        var expected = ["\(kind) \(name) \(wantExists ? "exists" : "is absent")"]
        if case .bool(let active)? = fields["active"] {
            expected.append(active ? "active" : "inactive")
            passed = passed && found.active == active
        }
        return .judged(passed, expected: expected.joined(separator: ", "),
                       got: found.exists ? (found.active ? "exists, active" : "exists, inactive") : "absent")
    }

    private func image(_ fields: [String: FieldValue]) -> Verdict {
        guard case .string(let path)? = fields["path"] else { return .failure("no path") }
        let wantExists = flag(fields, "exists") ?? true
        guard let image = DiskImage.inspect(path: path) else {
            return .judged(!wantExists, expected: "\(path) \(wantExists ? "exists" : "is absent")", got: "no such file")
        }
        guard wantExists else { return .judged(false, expected: "\(path) is absent", got: "it exists") }
        let facts = ["format": image.format, "virtual_size": "\(image.virtualSize)", "backing_file": image.backingFile ?? ""]
        var passed = true, expected: [String] = [], got: [String] = []
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
            guard case .matcher(let matcher) = value, let actual = facts[key] else { continue }
            expected.append("\(key) \(matcher.summary)")
            got.append("\(key) \(actual.isEmpty ? "none" : actual)")
            passed = passed && matcher.matches(actual)
        }
        return .judged(passed, expected: expected.isEmpty ? "\(path) exists" : expected.joined(separator: ", "),
                       got: got.isEmpty ? "\(image.format) image" : got.joined(separator: ", "))
    }

    private func container(_ fields: [String: FieldValue]) -> Verdict {
        guard case .string(let name)? = fields["name"] else { return .failure("no container name") }
        let client: EngineClient
        do { client = try context.engine() } catch {
            return .failure("no container engine: \((error as? EngineError)?.message ?? "\(error)")")
        }
        let asked = runBlocking { () async -> Result<(ContainerSummary, interactive: Bool)?, EngineError> in
            do {
                guard let found = try await client.containers(includeStopped: true).first(where: { $0.name == name }) else {
                    return .success(nil)
                }
                let terminal = try await client.interactivity(found.id)
                return .success((found, terminal.tty && terminal.openStdin))
            } catch let error as EngineError {
                return .failure(error)
            } catch {
                return .failure(EngineError(.failed, "\(error)"))
            }
        }
        let container: (summary: ContainerSummary, interactive: Bool)?
        switch asked {
        case .success(let found): container = found
        case .failure(let error): return .failure("no container engine: \(error.message)")
        }
        let wantExists = flag(fields, "exists") ?? true
        guard let (found, interactive) = container else {
            return .judged(!wantExists, expected: "container \(name) \(wantExists ? "exists" : "is absent")",
                           got: "no container \(name)")
        }
        guard wantExists else { return .judged(false, expected: "container \(name) is absent", got: "it exists") }
        let facts = ["state": found.state.rawValue, "image": found.image]
        var passed = true, expected: [String] = [], got: [String] = []
        for key in ["state", "image"] {
            guard case .matcher(let matcher)? = fields[key], let actual = facts[key] else { continue }
            expected.append("\(key) \(matcher.summary)")
            got.append("\(key) \(actual)")
            passed = passed && matcher.matches(actual)
        }
        if case .bool(let want)? = fields["interactive"] {
            expected.append(want ? "interactive (terminal, open stdin)" : "not interactive")
            got.append(interactive ? "interactive" : "no terminal")
            passed = passed && interactive == want
        }
        return .judged(passed, expected: expected.isEmpty ? "container \(name) exists" : expected.joined(separator: ", "),
                       got: got.isEmpty ? "it exists (\(found.state.rawValue))" : got.joined(separator: ", "))
    }

    private func cloudInit(_ fields: [String: FieldValue], _ target: Target, _ timeout: Double) -> Verdict {
        guard case .matcher(let matcher)? = fields["status"] else { return .failure("no status") }
        return judge(.argv(["cloud-init", "status", "--format", "json"]), target, timeout) { outcome, described in
            guard outcome.status != 127 else { return Verdict(passed: false, command: described, error: "cloud-init is not installed here") }
            // Judged on the JSON status field: cloud-init's exit status also reflects recoverable errors.
            guard let json = try? JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)),
                  let status = JSONPath.value(at: "$.status", in: json) else {
                return Verdict(passed: false, expected: "status \(matcher.summary)", got: "no JSON status", command: described,
                               output: trimmed(outcome))
            }
            return Verdict(passed: matcher.matches(status), expected: "status \(matcher.summary)", got: "status \(status)",
                           command: described)
        }
    }
}

/// A small JSONPath: `$`, `.key`, `['key']` and `[index]`.
enum JSONPath {
    static func value(at path: String, in json: Any) -> String? {
        var current: Any? = json
        var rest = Substring(path)
        if rest.hasPrefix("$") { rest = rest.dropFirst() }
        while !rest.isEmpty, let node = current {
            if rest.hasPrefix(".") {
                rest = rest.dropFirst()
                let key = rest.prefix { $0 != "." && $0 != "[" }
                rest = rest.dropFirst(key.count)
                current = (node as? [String: Any])?[String(key)]
            } else if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
                let inside = rest[rest.index(after: rest.startIndex)..<close].trimmingCharacters(in: CharacterSet(charactersIn: "'\""))
                rest = rest[rest.index(after: close)...]
                if let index = Int(inside) { current = (node as? [Any]).flatMap { index < $0.count ? $0[index] : nil } }
                else { current = (node as? [String: Any])?[inside] }
            } else {
                return nil
            }
        }
        switch current {
        case nil, is NSNull: return nil
        case let text as String: return text
        case let number as NSNumber: return number.stringValue
        case let other?:
            return (try? JSONSerialization.data(withJSONObject: other, options: [.sortedKeys]))
                .map { String(decoding: $0, as: UTF8.self) }
        }
    }
}
