import Foundation
import PackagePlugin

/// Puts the repository's `labs/*.yaml` and `themes/*.theme` into the `BuiltIn` module as generated source, so
/// the binary carries them wherever it is copied. Run on every build; the files are its inputs, so a changed lab
/// is embedded again and an unchanged one costs nothing.
@main struct EmbedFiles: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let root = context.package.directoryURL
        var inputs: [URL] = []
        for (folder, suffix) in [("labs", ".yaml"), ("themes", ".theme")] {
            let directory = root.appending(path: folder)
            let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(suffix) }.sorted()
            inputs += names.map { directory.appending(path: $0) }
        }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedFiles.swift")
        return [.buildCommand(displayName: "Embedding \(inputs.count) lab and theme files", executable: try context.tool(named: "embed-files").url,
                              arguments: [output.path] + inputs.map(\.path), inputFiles: inputs, outputFiles: [output])]
    }
}
