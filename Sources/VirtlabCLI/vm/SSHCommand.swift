import Services
import ArgumentParser
import Foundation
import SecureShell
import VirtKit

/// `virtlab vm ssh`: log into a guest with the system ssh, at the address its network's DHCP lease (or its guest
/// agent) gives, as the user cloud-init made.
struct SSHCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ssh", abstract: "Log into a VM with ssh, or run one command there.",
        discussion: """
            The address comes from the DHCP leases of the VM's networks, else from its guest agent; virtlab waits \
            up to --wait seconds, while the guest boots, for an address and then for sshd to answer on it. The user is the one 'virtlab vm create --user' \
            gave cloud-init (else --user, else ssh's default). Host keys are checked: the key a VM shows the \
            first time is kept, under the VM's UUID, in \(SecureShell.knownHostsFile()); a different key for \
            that VM later is refused.
            Examples: virtlab vm ssh web1 -i ~/.ssh/lab_key
                      virtlab vm ssh web1 -- cloud-init status --long
            Same as: ssh -l USER ADDRESS, with ADDRESS from 'virsh domifaddr NAME --source lease'.
            """)
    @OptionGroup var target: VMCommand.Target
    @Option(name: .shortAndLong, help: "Log in as this user (default: the user the VM was created with).")
    var user: String?
    @Option(name: [.customShort("i"), .long], help: "The private key to offer (ssh -i).") var identity: String?
    @Option(help: "Log in at its address on this libvirt network (default: its first NIC's).") var network: String?
    @Option(help: "Seconds to wait for the VM's address.") var wait = 120
    @Argument(parsing: .postTerminator,
              help: "A command to run instead of a login shell (after --); like ssh, the words make one line for the remote shell.")
    var command: [String] = []

    func validate() throws {
        guard wait >= 0 else { throw ValidationError("--wait \(wait): give seconds, 0 or more") }
        if let identity, !FileManager.default.isReadableFile(atPath: identity) {
            throw ValidationError("--identity \(identity): no such readable file (the private half of your key pair)")
        }
    }

    func run() async throws {
        let domain = try target.domain()
        guard try domain.info().state.isActive else {
            throw UserFacingError("VM '\(domain.name)' is not running: start it with 'virtlab vm start \(domain.name)'")
        }
        let nics = try domain.details().nics
        if let network, !nics.contains(where: { $0.source == network }) {
            throw UserFacingError("VM '\(domain.name)' has no NIC on network \(network) (see 'virtlab vm info \(domain.name)')")
        }
        guard nics.contains(where: \.reachableFromHost) else {
            throw UserFacingError("VM '\(domain.name)' has no NIC on a network the host reaches (user-mode networking "
                + "lets nothing in): attach one with 'virtlab vm nic attach \(domain.name) --network NET --live'")
        }
        let deadline = Date().addingTimeInterval(Double(wait))
        let address = try await waitForAddress(domain, until: deadline)
        try await waitForSSHD(domain, at: address, until: deadline)
        let shell = SecureShell(user: user ?? domain.instanceMetadata()?.user, address: address,
                                hostKeyAlias: SecureShell.hostKeyAlias(vmUUID: domain.uuid), identity: identity,
                                batch: false)
        let status = try shell.runAttached(command.isEmpty ? .login : .line(command.joined(separator: " ")))
        if status == 255 {
            // ssh's own failure (the remote command's status otherwise): ask once more, quietly, to say why.
            var probe = shell
            probe.batch = true
            if let why = probe.diagnosis(stderr: probe.run(.line("true"), timeout: 30).stderr, machine: domain.name) {
                throw UserFacingError(why)
            }
        }
        if status != 0 { throw ExitCode(status) }
    }

    /// Nothing announces a new lease or a guest agent coming up: asked once a second, within the deadline.
    private func waitForAddress(_ domain: Domain, until deadline: Date) async throws -> String {
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

    /// A guest that just booted has an address before its sshd listens (cloud-init makes the host keys first).
    private func waitForSSHD(_ domain: Domain, at address: String, until deadline: Date) async throws {
        var said = false
        while true {
            let remaining = deadline.timeIntervalSinceNow
            switch TCPProbe.connect(address, port: 22, timeout: max(1, min(remaining, 5))) {
            case .success: return
            case .failure(let why) where remaining <= 0:
                throw UserFacingError("sshd on \(domain.name) (\(address)) did not answer within \(wait) s: port 22 "
                    + "\(why); watch it boot with 'virtlab console \(domain.name)', or wait longer with --wait")
            case .failure:
                if !said {
                    note("waiting for sshd on \(domain.name) (\(address))…")
                    said = true
                }
                try await Task.sleep(for: .seconds(1))
            }
        }
    }

    private func note(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }
}
