import Services
import ArgumentParser
import Dashboard
import Foundation
import TermUI

/// `virtlab` / `virtlab ui`: the full-screen dashboard.
struct UICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ui", abstract: "Open the full-screen dashboard (the default command).",
        discussion: """
            Several hosts at once: repeat --uri (e.g. --uri qemu:///system --uri qemu+ssh://lab2/system), or \
            give --class DIR to watch every student host of a class (qemu+ssh to each roster host, through the \
            class's ssh config) with its Class pane (6). Each host is a connection of its own: one that is slow \
            or lost never holds up the others. Networks and images are the first connection's.
            """)

    @Option(name: .customLong("uri"), help: ArgumentHelp(
        "libvirt URI, e.g. qemu:///system, test:///default, qemu+ssh://host/system (repeatable).", valueName: "uri"))
    var uris: [String] = []
    @Flag(name: .long, help: "Open the connections read-only; actions that change anything are refused.")
    var readOnly = false
    @Option(name: .customLong("class"), help: ArgumentHelp("A class directory: its hosts' VMs and its Class pane.",
                                                           valueName: "dir"))
    var classDirectory: String?
    @OptionGroup var library: ImageCommand.LibraryOptions
    @Option(help: "Seconds between refreshes (0.5 to 60; default: the settings' refresh, else 2).") var delay: Double?
    @Option(help: "Theme name (see 'virtlab theme list') or path to a .theme file.") var theme: String?

    func validate() throws {
        if let delay, !Dashboard.refreshBounds.contains(delay) {
            throw ValidationError("--delay must be between 0.5 and 60 seconds (got \(delay))")
        }
    }

    /// The dashboard's loop owns a thread of its own (curses) until the user quits.
    func run() async throws {
        let options = Dashboard.Options(uris: uris, readOnly: readOnly, classDirectory: classDirectory,
                                        library: library.library, delay: delay, theme: theme)
        try await Dashboard.run(options)
    }
}
