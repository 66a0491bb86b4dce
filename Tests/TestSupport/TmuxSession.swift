import Foundation

/// Drives a program in a private tmux server, as a person at a terminal would: keys in, screen out.
public final class TmuxSession {
    public let socket = "virtlab-test-\(UUID().uuidString.prefix(8))"
    public let name = "t"

    /// Starts `argv` in a `width`x`height` terminal. When it exits, "VIRTLAB_EXIT=<status>" is printed and the
    /// pane stays, so tests can read how it ended.
    public init(_ argv: [String], width: Int = 80, height: Int = 24, environment: [String: String] = [:]) async throws {
        let env = ["LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "xterm-256color"].merging(environment) { $1 }
        let assignments = env.map { "\($0.key)=\(Self.quote($0.value))" }.joined(separator: " ")
        let command = "env \(assignments) \(argv.map(Self.quote).joined(separator: " ")); "
            + "echo VIRTLAB_EXIT=$?; sleep 3600"
        let result = try await Run.command(["tmux", "-L", socket, "-f", "/dev/null", "new-session", "-d", "-s", name,
                                      "-x", "\(width)", "-y", "\(height)", command], detached: true)
        guard result.status == 0 else { throw Run.Failure("tmux new-session failed with status \(result.status)") }
    }

    /// Stopped on a thread of its own: a deinit runs wherever the last reference went, often a cooperative one.
    deinit {
        let socket = socket
        Thread.detachNewThread { _ = try? Run.command(["tmux", "-L", socket, "-f", "/dev/null", "kill-server"]) }
    }

    @discardableResult
    func tmux(_ arguments: [String]) async throws -> Run.Result {
        try await Run.command(["tmux", "-L", socket, "-f", "/dev/null"] + arguments)
    }

    /// Keys by tmux's names: "q", "Escape", "Enter", "C-]", "Down", or literal text with `literal: true`.
    public func send(_ keys: String..., literal: Bool = false) async throws {
        try await tmux(["send-keys", "-t", name] + (literal ? ["-l"] : []) + keys)
    }

    public func screen() async -> String {
        lastScreen = (try? await tmux(["capture-pane", "-p", "-t", name]).stdout) ?? ""
        return lastScreen
    }

    /// The screen with its colours and attributes, as the SGR sequences tmux keeps for each cell.
    public func styledScreen() async -> String {
        (try? await tmux(["capture-pane", "-e", "-p", "-t", name]).stdout) ?? ""
    }

    /// The screen as `screen()` or a wait last read it: for a failed expectation's message.
    public private(set) var lastScreen = ""

    public func resize(width: Int, height: Int) async throws {
        try await tmux(["resize-window", "-t", name, "-x", "\(width)", "-y", "\(height)"])
    }

    /// The program's pid: the child of the pane's shell.
    public var programPID: Int32? {
        get async {
            guard let shell = try? await tmux(["display-message", "-p", "-t", name, "#{pane_pid}"]).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines),
                let children = try? await Run.command(["pgrep", "-P", shell]).stdout else { return nil }
            return children.split(separator: "\n").first.flatMap { Int32($0) }
        }
    }

    /// Whether the program still holds the alternate screen (curses does while it runs).
    public var alternateScreen: Bool {
        get async { (try? await tmux(["display-message", "-p", "-t", name, "#{alternate_on}"]).stdout.hasPrefix("1")) ?? false }
    }

    /// Waits until the screen contains `text`; returns false (and the screen, for the message) on time-out.
    public func waitFor(_ text: String, timeout: Duration = .seconds(120)) async -> Bool {
        await eventually(timeout: timeout, every: .milliseconds(100)) { await self.screen().contains(text) }
    }

    static func quote(_ value: String) -> String { "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}
