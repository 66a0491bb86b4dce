import ArgumentParser
import Humanize
import Services

/// `virtlab config show`: every setting in effect and where it came from.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "The settings virtlab reads from its config files.",
        discussion: """
            Files, the later over the earlier: $XDG_CONFIG_DIRS/virtlab/config.yaml (/etc/xdg/virtlab/config.yaml, for \
            every user of a host) and $XDG_CONFIG_HOME/virtlab/config.yaml (~/.config/virtlab/config.yaml). The \
            command line and the environment (LIBVIRT_DEFAULT_URI, VIRTLAB_THEME, DOCKER_HOST) come before both. \
            Settings: connections (a list of libvirt URIs; the dashboard opens all), refresh (seconds), theme, \
            read_only (true/false), labs (directories of your own labs), engine (unix:///PATH). A file with a \
            mistake is said at file:line:column and left out; the defaults stand in.
            """,
        subcommands: [Show.self])

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print each setting, its value and where it came from.")

        func run() async throws {
            let settings = Settings.current
            var table = TextTable(headers: ["SETTING", "VALUE", "FROM"])
            for shown in settings.shown { table.add([shown.name, shown.value, shown.source]) }
            print(table.render())
            print(settings.files.isEmpty ? "no config file read" : "read: " + settings.files.joined(separator: ", "))
            if !settings.problems.isEmpty { throw ExitCode(1) }
        }
    }
}
