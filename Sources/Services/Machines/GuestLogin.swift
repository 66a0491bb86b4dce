import Foundation
import SecureShell
import VirtKit

/// Logging into a VM with the system `ssh` (`virtlab vm ssh`): its address from the DHCP leases of its networks or
/// its guest agent, waited for while the guest boots, then sshd waited for on it; host keys kept under the VM's
/// UUID in virtlab's own known_hosts.
public struct GuestLogin: Sendable {
    public let vm: String
    /// Where ssh keeps the keys it has seen.
    public static var knownHostsFile: String { SecureShell.knownHostsFile() }

    private let shell: SecureShell

    /// Waits (up to `wait` seconds in all) for the VM's address and its sshd; `note` hears what it waits for.
    /// Refused in one line when the VM is not running or has no NIC the host reaches.
    public static func prepare(_ vm: VM, on host: Hypervisor, network: String?, user: String?, identity: String?, wait: Int,
                               note: @Sendable (String) -> Void) async throws -> GuestLogin {
        let domain = vm.domain
        guard try host.isRunning(vm) else {
            throw UserFacingError("VM '\(vm.name)' is not running: start it with 'virtlab vm start \(vm.name)'")
        }
        let nics = try domain.details().nics
        if let network, !nics.contains(where: { $0.source == network }) {
            throw UserFacingError("VM '\(vm.name)' has no NIC on network \(network) (see 'virtlab vm info \(vm.name)')")
        }
        guard nics.contains(where: \.reachableFromHost) else {
            throw UserFacingError("VM '\(vm.name)' has no NIC on a network the host reaches (user-mode networking "
                + "lets nothing in): attach one with 'virtlab vm nic attach \(vm.name) --network NET --live'")
        }
        let deadline = Date().addingTimeInterval(Double(wait))
        let address = try await address(of: domain, network: network, wait: wait, until: deadline, note: note)
        try await waitForSSHD(vm.name, at: address, wait: wait, until: deadline, note: note)
        return GuestLogin(vm: vm.name, shell: SecureShell(
            user: user ?? domain.instanceMetadata()?.user, address: address,
            hostKeyAlias: SecureShell.hostKeyAlias(vmUUID: domain.uuid), identity: identity, batch: false))
    }

    /// Runs a login shell (no `command`) or the command line on the terminal; returns ssh's exit status. When ssh
    /// itself failed, says why in one line.
    public func run(_ command: [String]) throws -> Int32 {
        let status = try shell.runAttached(command.isEmpty ? .login : .line(command.joined(separator: " ")))
        if status == 255 {
            // ssh's own failure (the remote command's status otherwise): ask once more, quietly, to say why.
            var probe = shell
            probe.batch = true
            if let why = probe.diagnosis(stderr: probe.run(.line("true"), timeout: 30).stderr, machine: vm) {
                throw UserFacingError(why)
            }
        }
        return status
    }

    private static func address(of domain: Domain, network: String?, wait: Int, until deadline: Date,
                                note: (String) -> Void) async throws -> String {
        var said = false
        while true {
            if let address = try domain.guestAddress(onNetwork: network) { return address }
            guard Date() < deadline else {
                throw UserFacingError("no address for VM '\(domain.name)'\(network.map { " on network \($0)" } ?? "") after "
                    + "\(wait) s: no DHCP lease and no answer from its guest agent; see 'virtlab net leases NET', or "
                    + "wait longer with --wait")
            }
            if !said {
                note("waiting up to \(wait) s for \(domain.name)'s address (a DHCP lease or its guest agent)…")
                said = true
            }
            try await Task.sleep(for: .seconds(1))
        }
    }

    private static func waitForSSHD(_ name: String, at address: String, wait: Int, until deadline: Date,
                                    note: (String) -> Void) async throws {
        var said = false
        while true {
            let remaining = deadline.timeIntervalSinceNow
            switch TCPProbe.connect(address, port: 22, timeout: max(1, min(remaining, 5))) {
            case .success: return
            case .failure(let why) where remaining <= 0:
                throw UserFacingError("sshd on \(name) (\(address)) did not answer within \(wait) s: port 22 "
                    + "\(why); watch it boot with 'virtlab console \(name)', or wait longer with --wait")
            case .failure:
                if !said {
                    note("waiting for sshd on \(name) (\(address))…")
                    said = true
                }
                try await Task.sleep(for: .seconds(1))
            }
        }
    }
}
