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
        let source = try selection.connection.open().0
        let destination: Hypervisor
        do {
            destination = try Hypervisor(uri: to, readOnly: selection.connection.readOnly)
        } catch {
            throw UserFacingError("the destination \(to) does not answer: \(UserMessage.line(for: error))")
        }
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
                    try await Self.move(vm, from: source, to: destination, as: plan)
                }
            } catch {
                failures += 1
                Output.error(UserMessage.line(for: error))
            }
        }
        if failures > 0 { throw ExitCode(1) }
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

    /// One move with its progress line on stderr (rewritten in place on a terminal), cancelled by Ctrl-C.
    static func move(_ vm: VM, from source: Hypervisor, to destination: Hypervisor, as plan: MigrationPlan) async throws -> String {
        let onTerminal = isatty(STDERR_FILENO) == 1
        let task = Task {
            try await source.migrate(vm, to: destination, as: plan) { figures in
                let line = "\(vm.name): " + figures.said
                FileHandle.standardError.write(Data((onTerminal ? "\r\u{1B}[K" + line : line + "\n").utf8))
            }
        }
        // Ctrl-C cancels the move instead of ending the process mid-way (which could leave the VM paused).
        signal(SIGINT, SIG_IGN)
        let interrupt = DispatchSource.makeSignalSource(signal: SIGINT)
        interrupt.setEventHandler {
            FileHandle.standardError.write(Data("\nvirtlab: cancelling the migration of \(vm.name)…\n".utf8))
            task.cancel()
        }
        interrupt.resume()
        defer {
            interrupt.cancel()
            signal(SIGINT, SIG_DFL)
        }
        let outcome: MigrationOutcome
        do {
            outcome = try await task.value
        } catch {
            if onTerminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            throw error
        }
        if onTerminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        return outcome.said
    }
}
