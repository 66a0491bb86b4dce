import BlockingWork
import ContainerKit
import Foundation
import ProcessRunner
import SecureShell
import LabFormat
import VirtKit

/// A target could not run the command at all (no such VM, no agent and no address, no engine): the check is
/// an error, not a failure.
public struct TargetUnavailable: Error, Sendable, Equatable {
    public let message: String
    /// The target does not exist: retrying cannot help (a VM still booting, by contrast, is worth a retry).
    public var missing = false
}

/// Runs a command where a check or a step says: this host, inside a guest (its QEMU guest agent, else SSH
/// to its address), or inside a container (the engine's exec API). Commands travel as argument lists.
struct TargetShell {
    let context: GradingContext

    func run(_ command: CommandSpec, on target: Target, timeout: Double) async -> Result<ProcessOutcome, TargetUnavailable> {
        let argv = command.words
        switch target {
        case .host: return .success(await BlockingPool.run { HostProcess.run(command, timeout: timeout) })
        case .vm(let name, let uri): return await BlockingPool.run { inGuest(name, on: uri, argv, timeout) }
        case .container(let name): return await inContainer(name, argv, timeout)
        }
    }

    private func inGuest(_ name: String, on uri: String?, _ argv: [String], _ timeout: Double) -> Result<ProcessOutcome, TargetUnavailable> {
        let domain: Domain
        do {
            domain = try context.libvirt(uri, writable: true).domain(named: name)
        } catch {
            return .failure(TargetUnavailable(message: "no VM '\(name)' on \(uri ?? context.libvirtURI): create it first",
                                              missing: true))
        }
        guard (try? domain.info().state.isActive) == true else {
            return .failure(TargetUnavailable(message: "VM '\(name)' is not running: start it first"))
        }
        if domain.agentResponds() {
            do {
                let result = try domain.guestExec(argv, timeoutSeconds: timeout)
                return .success(ProcessOutcome(status: result.exitCode, stdout: result.stdout, stderr: result.stderr,
                                               timedOut: false, truncated: result.truncated))
            } catch is GuestExecTimeout {
                return .success(ProcessOutcome(status: -1, stdout: "", stderr: "", timedOut: true, truncated: false))
            } catch {
                return .failure(TargetUnavailable(message: "\(error)"))
            }
        }
        let found: String?
        do { found = try domain.guestAddress() } catch { return .failure(TargetUnavailable(message: "\(error)")) }
        guard let address = found else {
            return .failure(TargetUnavailable(message: "the guest agent of '\(name)' does not answer and libvirt knows no "
                + "address for it: start qemu-guest-agent in the guest, or give it a network with DHCP"))
        }
        let shell = SecureShell(user: domain.instanceMetadata()?.user ?? context.sshUser, address: address,
                                hostKeyAlias: SecureShell.hostKeyAlias(vmUUID: domain.uuid), identity: context.sshIdentity,
                                batch: true)
        return .success(shell.run(.words(argv), timeout: timeout))
    }

    private func inContainer(_ name: String, _ argv: [String], _ timeout: Double) async
        -> Result<ProcessOutcome, TargetUnavailable>
    {
        let client: EngineClient
        do { client = try await context.engine() } catch {
            return .failure(TargetUnavailable(message: "no container engine: \((error as? EngineError)?.message ?? "\(error)")"))
        }
        do {
            let result = try await client.exec(name, argv, timeout: .seconds(Int64(timeout.rounded(.up))),
                                               limit: HostProcess.outputCap)
            return .success(ProcessOutcome(status: result.exitCode, stdout: result.stdout, stderr: result.stderr,
                                           timedOut: false, truncated: result.truncated))
        } catch let error as EngineError where error.kind == .timedOut {
            return .success(ProcessOutcome(status: -1, stdout: "", stderr: error.message, timedOut: true, truncated: false))
        } catch let error as EngineError where error.kind == .notFound {
            return .failure(TargetUnavailable(message: "no container '\(name)': create it first", missing: true))
        } catch {
            // Engines word "not running" differently (Docker 409, Podman 500): ask for the state instead.
            let state = try? await client.containers(includeStopped: true)
                .first { $0.name == name }?.state
            if let state, !state.isRunning {
                return .failure(TargetUnavailable(message: "container '\(name)' is \(state.rawValue), not running: "
                                                  + "start it first"))
            }
            return .failure(TargetUnavailable(message: "\(error)"))
        }
    }
}
