import BuiltIn
import Foundation
import HostDoctor
import TermUI

/// Where themes come from, first first: `VIRTLAB_THEMES_DIR`, the user's own (`$XDG_CONFIG_HOME/virtlab/themes`),
/// the data directories (`$XDG_DATA_HOME/virtlab/themes`, then `$XDG_DATA_DIRS`: `/usr/local/share/virtlab/themes`,
/// `/usr/share/virtlab/themes`), then the themes built into virtlab. Which one to start with: `--theme`, then
/// `VIRTLAB_THEME`, then `default`; `NO_COLOR` (any value) turns colour off whatever the theme.
public struct ThemeCatalog: Sendable {
    /// The directories searched that exist (the built-in set is not a directory).
    public let directories: [String]
    public let noColor: Bool

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        var dirs: [String] = []
        if let explicit = environment["VIRTLAB_THEMES_DIR"], !explicit.isEmpty { dirs.append(explicit) }
        let config = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "\(environment["HOME"] ?? NSHomeDirectory())/.config"
        dirs.append("\(config)/virtlab/themes")
        dirs += DataDirectories.search("themes", environment: environment)
        var seen = Set<String>()
        directories = dirs.filter { FileManager.default.fileExists(atPath: $0) && seen.insert($0).inserted }
        noColor = environment["NO_COLOR"].map { !$0.isEmpty } ?? false
    }

    public var names: [String] { available.map(\.name) }

    /// Where `available` says a built-in theme is.
    public static let builtInOrigin = "built in"

    /// Every theme by name, with the file it comes from (or "built in"); the first of a name wins.
    public var available: [(name: String, origin: String)] {
        var seen = Set<String>()
        var result: [(String, String)] = []
        for dir in directories {
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
            for file in files where file.hasSuffix(".theme") {
                let name = String(file.dropLast(6))
                if seen.insert(name).inserted { result.append((name, "\(dir)/\(file)")) }
            }
        }
        for file in BuiltIn.themes {
            let name = String(file.name.dropLast(6))
            if seen.insert(name).inserted { result.append((name, Self.builtInOrigin)) }
        }
        return result
    }

    public func load(_ nameOrPath: String, colors: Int) throws -> Theme {
        try Self.read(nameOrPath, directories: directories).reduced(toColors: noColor ? 0 : colors)
    }

    /// Finds `nameOrPath` (a file path, or a name looked up in `directories` as NAME.theme, then among the built-in
    /// themes) and parses it.
    public static func read(_ nameOrPath: String, directories: [String]) throws -> Theme {
        let isPath = nameOrPath.contains("/") || nameOrPath.hasSuffix(".theme")
        let candidates = isPath ? [nameOrPath] : directories.map { "\($0)/\(nameOrPath).theme" }
        guard let path = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            if !isPath, let builtIn = BuiltIn.themes.first(where: { $0.name == nameOrPath + ".theme" }) {
                return try ThemeFile.parse(builtIn.text, name: nameOrPath, file: "\(builtInOrigin) \(builtIn.name)")
            }
            throw ThemeError(file: nameOrPath, line: 0, message: "no such theme (run 'virtlab theme list'; looked in "
                             + (directories + ["the built-in themes"]).joined(separator: ", ") + ")")
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ThemeError(file: path, line: 0, message: "cannot read the file")
        }
        let name = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        return try ThemeFile.parse(text, name: name, file: path)
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
