import Foundation
import HostDoctor
import TermUI

/// Where themes come from, and which one to start with: `--theme`, then `VIRTLAB_THEME`, then `default`;
/// `NO_COLOR` (any value) turns colour off whatever the theme.
public struct ThemeCatalog: Sendable {
    public let directories: [String]
    public let noColor: Bool

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        var dirs: [String] = []
        if let explicit = environment["VIRTLAB_THEMES_DIR"], !explicit.isEmpty { dirs.append(explicit) }
        let config = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "\(environment["HOME"] ?? NSHomeDirectory())/.config"
        dirs.append("\(config)/virtlab/themes")
        // Installed (PREFIX/bin/virtlab -> PREFIX/share/virtlab/themes) or run from a checkout (.build/debug/virtlab).
        var dir = URL(fileURLWithPath: HostFiles.runningExecutable).resolvingSymlinksInPath().deletingLastPathComponent()
        dirs.append(dir.deletingLastPathComponent().appendingPathComponent("share/virtlab/themes").path)
        for _ in 0..<4 {
            dir = dir.deletingLastPathComponent()
            dirs.append(dir.appendingPathComponent("themes").path)
        }
        directories = dirs.filter { FileManager.default.fileExists(atPath: $0) }
        noColor = environment["NO_COLOR"].map { !$0.isEmpty } ?? false
    }

    public var names: [String] { ThemeFile.available(in: directories).map(\.name) }

    public func load(_ nameOrPath: String, colors: Int) throws -> Theme {
        try ThemeFile.load(nameOrPath, directories: directories).reduced(toColors: noColor ? 0 : colors)
    }

    /// The theme to start with, or the built-in default and the reason the requested one was refused.
    public func initial(flag: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
                 colors: Int) -> (Theme, ThemeError?) {
        let requested = flag ?? environment["VIRTLAB_THEME"].flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        do {
            return (try load(requested, colors: colors), nil)
        } catch let error as ThemeError {
            return (Theme.builtIn.reduced(toColors: noColor ? 0 : colors), error)
        } catch {
            return (Theme.builtIn.reduced(toColors: noColor ? 0 : colors),
                    ThemeError(file: requested, line: 0, message: "\(error)"))
        }
    }
}
