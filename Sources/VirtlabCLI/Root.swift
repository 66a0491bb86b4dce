import ArgumentParser
import Foundation
import VirtKit

/// `virtlab`: a terminal virtual-lab manager on libvirt.
public struct VirtlabCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "virtlab",
        abstract: "A terminal virtual-lab manager for Linux: VMs on libvirt, host checks, labs.",
        discussion: """
            Connection: --uri, else LIBVIRT_DEFAULT_URI, else qemu:///system if it answers, else libvirt's \
            built-in demo hypervisor (test:///default).
            """,
        subcommands: [UICommand.self, ListCommand.self, VMCommand.self, PoolCommand.self, NetworkCommand.self,
                      ContainerCommand.self, ImageCommand.self, DoctorCommand.self, ThemeCommand.self, LabCommand.self],
        defaultSubcommand: UICommand.self
    )

    public init() {}
}

/// Options every command that talks to libvirt takes.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: "libvirt URI, e.g. qemu:///system, test:///default, qemu+ssh://host/system.")
    var uri: String?

    @Flag(name: .long, help: "Open the connection read-only; commands that change anything are refused.")
    var readOnly = false

    /// Opens the chosen connection and, on the demo hypervisor, says so on stderr (stdout stays data).
    func open() throws -> (Connection, ConnectionChoice) {
        let choice = ConnectionChoice.resolve(flag: uri)
        if let note = choice.demoNote { Output.note(note) }
        return (try Connection(uri: choice.uri, readOnly: readOnly), choice)
    }
}

/// The process entry point: runs a command and turns any failure into one line on stderr.
public enum VirtlabMain {
    public static func main(_ arguments: [String]? = nil) -> Never {
        let command: ParsableCommand
        do {
            command = try VirtlabCommand.parseAsRoot(arguments)
        } catch {
            VirtlabCommand.exit(withError: error)  // usage errors: ArgumentParser's message and exit code
        }
        do {
            var runnable = command
            try runnable.run()
            Foundation.exit(0)
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch {
            Output.error(UserMessage.line(for: error))
            Foundation.exit(1)
        }
    }
}
