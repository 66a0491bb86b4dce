import Services
import ArgumentParser
import Foundation

/// `virtlab vm migrate NAME… --to URI`: checks first, then libvirt's own migration with a progress line;
/// Ctrl-C cancels (the VM runs on where it was).
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Move VMs to another host: live, offline, with or without their disks.",
        discussion: """
            Before anything moves, each VM is checked against the destination: the same host or another \
            hypervisor, its state, a VM of the same name there, host devices, the CPU, its networks (present and \
            active there), its disks (seen there on shared storage, or --copy-storage) and free memory. A VM that \
            cannot move is named with every reason and the others still go. --check runs the checks only.
            Without --live or --offline a running VM moves live, a paused one paused, a shut-off one offline (its \
            definition only). The VM is defined on the destination and removed from the source (--keep-source \
            leaves the source's definition, shut off). Ctrl-C cancels a move that is under way; the VM keeps running \
            where it was.
            Same as: virsh migrate --live --persistent --undefinesource NAME URI.
            """)

    @OptionGroup var selection: VMSelection
    @Option(help: "The destination host's libvirt URI, e.g. qemu+ssh://host2/system.") var to: String
    @Flag(help: "Move running VMs without stopping them (memory copied while they run).") var live = false
    @Flag(help: "Move shut-off VMs' definitions only.") var offline = false
    @Flag(help: "Copy the disks too, for disks the destination cannot see (not on shared storage).") var copyStorage = false
    @Flag(help: "Leave the definition on the source (shut off there).") var keepSource = false
    @Flag(help: "Send everything through the source daemon's own connection to --to (peer-to-peer, tunnelled).")
    var tunnelled = false
    @Option(help: "Limit the copy to this many MiB/s.") var bandwidth: UInt64?
    @Option(help: "The longest pause allowed at the end of a live move, in milliseconds.") var maxDowntime: UInt64?
    @Flag(help: ArgumentHelp("Move even where libvirt cannot tell that the disks' storage is shared.",
                             discussion: "libvirt recognises NFS, GFS2, Ceph and the like; give --unsafe only when the "
                                 + "storage really is shared some other way."))
    var unsafe = false
    @Flag(help: "Run the checks only; move nothing.") var check = false
    @OptionGroup var explain: ExplainOption

    func validate() throws {
        try selection.validate()
        if live && offline { throw ValidationError("give --live or --offline, not both") }
        if maxDowntime != nil && offline { throw ValidationError("--max-downtime applies to a live move, not --offline") }
        if bandwidth == 0 { throw ValidationError("--bandwidth must be at least 1 MiB/s") }
    }

    func run() async throws {
        let (source, destination) = try Self.open(selection.connection, to: to)
        let mode: MigrationRequest.Mode? = live ? .live : offline ? .offline : nil
        var failures = 0
        for chosen in try selection.choice.resolve(on: source) {
            do {
                let vm = try chosen.get()
                let plan = source.migrationPlan(vm, to: destination, mode: mode, copyStorage: copyStorage,
                                                keepSource: keepSource, tunnelled: tunnelled,
                                                bandwidthMiBPerSecond: bandwidth, maxDowntimeMilliseconds: maxDowntime,
                                                unsafe: unsafe)
                if explain.explain {
                    plan.virshCommands.forEach { print($0) }
                    continue
                }
                if check {
                    print(Self.render(checksOf: plan))
                    if !plan.canGo { failures += 1 }
                    continue
                }
                for warning in plan.checks where warning.verdict == .warning { Output.note("\(vm.name): \(warning.said)") }
                try await ActionRunner.record(source.uri, "migrate \(vm.name) to \(to)", plan.virshCommands.joined(separator: " && "),
                                              explain: false) {
                    let outcome = try await Self.cancellable("the migration of \(vm.name)") {
                        try await source.migrate(vm, to: destination, as: plan) { Self.progressLine(vm.name, $0) }
                    }
                    Self.clearProgressLine()
                    return outcome.said
                }
            } catch {
                Self.clearProgressLine()
                failures += 1
                Output.error(UserMessage.line(for: error))
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }

    /// The source (as the connection options say) and the destination, which must answer.
    static func open(_ options: ConnectionOptions, to uri: String) throws -> (Hypervisor, Hypervisor) {
        let source = try options.open().0
        return (source, try destination(uri, readOnly: options.readOnly))
    }

    static func open(_ sourceURI: String, to uri: String) throws -> (Hypervisor, Hypervisor) {
        let source: Hypervisor
        do { source = try Hypervisor(uri: sourceURI, readOnly: false) } catch {
            throw UserFacingError("the host \(sourceURI) does not answer: \(UserMessage.line(for: error))")
        }
        return (source, try destination(uri, readOnly: false))
    }

    private static func destination(_ uri: String, readOnly: Bool) throws -> Hypervisor {
        do { return try Hypervisor(uri: uri, readOnly: readOnly) } catch {
            throw UserFacingError("the destination \(uri) does not answer: \(UserMessage.line(for: error))")
        }
    }

    /// The checks as a table: one line each, blockers marked.
    static func render(checksOf plan: MigrationPlan) -> String {
        let mark: [MigrationCheck.Verdict: String] = [.ok: "ok", .warning: "warn", .blocker: "STOP"]
        let width = plan.checks.map(\.subject.count).max() ?? 0
        return (["\(plan.vm) → \(plan.destination) (\(plan.request.mode.rawValue)): "
                 + (plan.canGo ? "can move" : "cannot move")]
                + plan.checks.map { "  \(mark[$0.verdict]!.padding(toLength: 4, withPad: " ", startingAt: 0))  "
                    + "\($0.subject.padding(toLength: width, withPad: " ", startingAt: 0))  \($0.said)" })
            .joined(separator: "\n")
    }

    private static let onTerminal = isatty(STDERR_FILENO) == 1

    /// A move's figures on stderr: rewritten in place on a terminal, a line each otherwise.
    @Sendable static func progressLine(_ vm: String, _ figures: MigrationProgress) {
        let line = "\(vm): " + figures.said
        FileHandle.standardError.write(Data((onTerminal ? "\r\u{1B}[K" + line : line + "\n").utf8))
    }

    static func clearProgressLine() {
        if onTerminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    /// Runs `work` with Ctrl-C cancelling it (and so the migration under way) instead of ending the process
    /// mid-way, which could leave a VM paused between two hosts.
    static func cancellable<T: Sendable>(_ what: String, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = Task { try await work() }
        signal(SIGINT, SIG_IGN)
        let interrupt = DispatchSource.makeSignalSource(signal: SIGINT)
        interrupt.setEventHandler {
            FileHandle.standardError.write(Data("\nvirtlab: cancelling \(what)…\n".utf8))
            task.cancel()
        }
        interrupt.resume()
        defer {
            interrupt.cancel()
            signal(SIGINT, SIG_DFL)
        }
        return try await task.value
    }
}
