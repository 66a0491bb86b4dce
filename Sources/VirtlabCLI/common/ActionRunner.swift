import Services
import ArgumentParser
import Foundation
import Inventory
import Logging

/// `--explain` on every command that changes something: print the equivalent command line, do nothing.
struct ExplainOption: ParsableArguments {
    @Flag(help: "Print the equivalent virsh (or qemu-img, podman) command line and do nothing.") var explain = false
}

/// The VMs one action goes to: names, `--match GLOB`, or `--all`.
struct VMSelection: ParsableArguments {
    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The VMs' names.") var names: [String] = []
    @Option(help: "Every VM whose name matches this shell pattern, e.g. 'lab-*'.") var match: String?
    @Flag(help: "Every VM on the connection.") var all = false

    var choice: VMChoice { VMChoice(names: names, match: match, all: all) }

    func validate() throws { try choice.validate() }
}

/// Which VMs, however the command takes them.
struct VMChoice {
    let names: [String]
    let match: String?
    let all: Bool

    func validate() throws {
        guard !names.isEmpty || match != nil || all else {
            throw ValidationError("name a VM (or several), or give --match GLOB or --all")
        }
    }

    /// The VMs chosen, in the order named (then by name); a name that is not there is a failure of its own.
    func resolve(on host: Hypervisor) throws -> [Result<VM, Error>] { try host.vms(named: names, matching: match, all: all) }
}

/// Runs table actions for the command line: each VM's action is done (or explained with `--explain`), said on
/// its own line, and kept in the log file with its command line, as the dashboard's Log pane keeps them.
enum ActionRunner {
    static let log = LogFile().logger(label: "virtlab.cli")

    /// One action per selected VM (`action` may depend on the VM: a running one changes live); a VM that fails
    /// is said on stderr and the others still go ahead; exit 1 if any failed.
    static func run(_ selection: VMSelection, explain: Bool, _ action: (VM) throws -> MachineAction) async throws {
        try await run(selection.connection, selection.choice, explain: explain, action)
    }

    static func run(_ options: ConnectionOptions, _ choice: VMChoice, explain: Bool,
                    _ action: (VM) throws -> MachineAction) async throws {
        let host = try options.open().0
        var failures = 0
        for chosen in try choice.resolve(on: host) {
            do {
                let vm = try chosen.get()
                try await perform(try action(vm), on: vm, host: host, explain: explain)
            } catch {
                failures += 1
                Output.error(UserMessage.line(for: error))
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }

    /// One action on one VM, explained or done, and logged.
    static func perform(_ action: MachineAction, on vm: VM, host: Hypervisor, explain: Bool) async throws {
        let command = action.command(for: vm.name, uri: host.uri)
        try await record(host.uri, "\(action.verb) \(vm.name)", command, explain: explain) {
            do {
                return try host.perform(action, on: vm)
            } catch let refused as ActionRefused {
                throw UserFacingError("\(refused) (run 'virtlab vm info \(vm.name)' to see its state)")
            }
        }
    }

    /// Explains (prints `command`) or does `body`, printing what it returns; either way the log file has a line.
    static func record(_ connection: String, _ what: String, _ command: String, explain: Bool,
                       _ body: () async throws -> String) async throws {
        guard !explain else { return print(command) }
        let entry = { (outcome: ActionRecord.Outcome) in
            ActionRecord(time: Date(), connection: connection, what: what, command: command, outcome: outcome).logLine
        }
        do {
            let said = try await body()
            print(said)
            log.info("\(entry(.done(said)))")
        } catch {
            log.error("\(entry(.failed(UserMessage.line(for: error))))")
            throw error
        }
    }
}
