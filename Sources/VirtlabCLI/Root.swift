import Services
import ArgumentParser
import Foundation

/// `virtlab`: a terminal virtual-lab manager on libvirt.
public struct VirtlabCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "virtlab",
        abstract: "A terminal virtual-lab manager for Linux: VMs on libvirt, host checks, labs.",
        discussion: """
            Connection: --uri, else LIBVIRT_DEFAULT_URI, else qemu:///system if it answers, else libvirt's \
            built-in demo hypervisor (test:///default).
            """,
        version: virtlabVersion,
        subcommands: [UICommand.self, ListCommand.self, VMCommand.self, PoolCommand.self, NetworkCommand.self,
                      ContainerCommand.self, ImageCommand.self, DoctorCommand.self, ThemeCommand.self, LabCommand.self,
                      ClassCommand.self, ConfigCommand.self, HostCommand.self, FailoverCommand.self, OSCommand.self],
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
    func open() throws -> (Hypervisor, ConnectionChoice) {
        let (host, choice) = try Hypervisor.chosen(flag: uri, readOnly: readOnly)
        if let note = choice.demoNote { Output.note(note) }
        return (host, choice)
    }
}

/// The process entry point: runs a command and turns any failure into one line on stderr.
public enum VirtlabMain {
    public static func main(_ arguments: [String]? = nil) async -> Never {
        let arguments = arguments ?? Array(CommandLine.arguments.dropFirst())
        if let unknown = unknownCommand(in: arguments) {
            Output.error("unknown command '\(unknown)'; the commands are: \(commandNames.joined(separator: ", ")) "
                         + "(see 'virtlab --help')")
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
        let settings = Settings.current
        // A settings file with a mistake is said once, and the command goes on with the defaults.
        for problem in settings.problems { Output.error("settings: \(problem)") }
        // The engine's socket from the settings reaches every engine client (the CLI's, the dashboard's, the
        // grader's) as DOCKER_HOST does, which it yields to.
        if let engine = settings.engine.value, (ProcessInfo.processInfo.environment["DOCKER_HOST"] ?? "").isEmpty {
            setenv("DOCKER_HOST", engine, 1)
        }
        do {
            var command = try VirtlabCommand.parseAsRoot(arguments)
            if var asynchronous = command as? AsyncParsableCommand { try await asynchronous.run() } else { try command.run() }
            Foundation.exit(0)
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch where isArgumentParserError(error) {
            // Help, --version and usage errors (a help request arrives as an error thrown by `run`).
            VirtlabCommand.exit(withError: error)
        } catch {
            Output.error(UserMessage.line(for: error))
            Foundation.exit(1)
        }
    }

    /// The top-level commands, in the order the help lists them, and ArgumentParser's own `help`.
    static let commandNames = VirtlabCommand.configuration.subcommands.compactMap { $0.configuration.commandName }
        + ["help"]

    /// The first word, when it is neither an option nor a command: without this it would reach the
    /// default command (the dashboard) as a stray argument and the message would name the wrong thing.
    static func unknownCommand(in arguments: [String]) -> String? {
        guard let first = arguments.first, !first.hasPrefix("-") else { return nil }
        return commandNames.contains(first) ? nil : first
    }

    /// ArgumentParser's own errors (help requested, validation, clean exits) are its to print.
    static func isArgumentParserError(_ error: Error) -> Bool {
        error is ValidationError || error is CleanExit || String(reflecting: type(of: error)).hasPrefix("ArgumentParser.")
    }
}
