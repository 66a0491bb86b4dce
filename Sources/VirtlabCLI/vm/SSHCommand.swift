import Services
import ArgumentParser
import Foundation

/// `virtlab vm ssh`: log into a guest with the system ssh, at the address its network's DHCP lease (or its guest
/// agent) gives, as the user cloud-init made.
struct SSHCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ssh", abstract: "Log into a VM with ssh, or run one command there.",
        discussion: """
            The address comes from the DHCP leases of the VM's networks, else from its guest agent; virtlab waits \
            up to --wait seconds, while the guest boots, for an address and then for sshd to answer on it. The user is the one 'virtlab vm create --user' \
            gave cloud-init (else --user, else ssh's default). Host keys are checked: the key a VM shows the \
            first time is kept, under the VM's UUID, in \(GuestLogin.knownHostsFile); a different key for \
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
        let (host, vm) = try target.vm()
        let login = try await GuestLogin.prepare(vm, on: host, network: network, user: user, identity: identity, wait: wait) {
            FileHandle.standardError.write(Data(($0 + "\n").utf8))
        }
        let status = try login.run(command)
        if status != 0 { throw ExitCode(status) }
    }
}
