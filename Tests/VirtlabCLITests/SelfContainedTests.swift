import Dashboard
import Foundation
import Testing
import TestSupport
import TestTags
import TermUI

/// The binary carries its labs and themes: copied alone into an empty directory, with no data directories, it
/// still lists every shipped lab and theme, and a file on disk of the same name comes first.
@Suite(.tags(.pure)) struct SelfContainedTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func shipped(_ folder: String, _ suffix: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: repository.appendingPathComponent(folder).path)
            .filter { $0.hasSuffix(suffix) }.map { String($0.dropLast(suffix.count)) }.sorted()
    }

    /// A copy of the binary alone in a fresh directory, and an environment that points every search at nothing.
    static func alone() async throws -> (binary: String, environment: [String: String]) {
        let directory = NSTemporaryDirectory() + "vl-alone-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory + "/home", withIntermediateDirectories: true)
        // Copied by `cp`, not in this process: a copy written here could still be open for writing in a child
        // another test forks meanwhile, and running it then fails with "text file busy".
        let copied = try await Run.command(["cp", Run.virtlabBinary, directory + "/virtlab"])
        guard copied.status == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: copied.stderr]) }
        return (directory + "/virtlab", ["HOME": directory + "/home", "XDG_DATA_HOME": "", "XDG_CONFIG_HOME": "",
                                         "XDG_DATA_DIRS": directory + "/none", "VIRTLAB_THEMES_DIR": ""])
    }

    @Test func aCopiedBinaryListsEveryShippedLabAndTheme() async throws {
        let (binary, environment) = try await Self.alone()
        defer { try? FileManager.default.removeItem(atPath: (binary as NSString).deletingLastPathComponent) }
        let labs = try await Run.command([binary, "lab", "list"], environment: environment)
        #expect(labs.status == 0, "\(labs.stderr)")
        let rows = labs.stdout.split(separator: "\n").dropFirst()
        #expect(rows.map { String($0.split(separator: " ")[0]) }.sorted() == (try Self.shipped("labs", ".yaml")))
        #expect(rows.allSatisfy { $0.hasSuffix("built in") }, "\(labs.stdout)")

        let themes = try await Run.command([binary, "theme", "list"], environment: environment)
        #expect(themes.status == 0 && !themes.stdout.contains("REFUSED"), "\(themes.stdout)\(themes.stderr)")
        #expect(themes.stdout.split(separator: "\n").map { String($0.split(separator: " ")[0]) }.sorted()
                == (try Self.shipped("themes", ".theme")))
    }

    @Test func aLabFileOnDiskStandsInForTheBuiltInOneOfItsId() async throws {
        let (binary, environment) = try await Self.alone()
        let home = environment["HOME"]!
        defer { try? FileManager.default.removeItem(atPath: (binary as NSString).deletingLastPathComponent) }
        let mine = home + "/.local/share/virtlab/labs"
        try FileManager.default.createDirectory(atPath: mine, withIntermediateDirectories: true)
        let original = try String(contentsOf: Self.repository.appendingPathComponent("labs/show-uuid.yaml"), encoding: .utf8)
        try original.replacingOccurrences(of: "title: The identities of a Linux system", with: "title: My own identities")
            .write(toFile: mine + "/show-uuid.yaml", atomically: true, encoding: .utf8)
        let labs = try await Run.command([binary, "lab", "list"], environment: environment)
        let row = labs.stdout.split(separator: "\n").first { $0.hasPrefix("show-uuid ") }.map(String.init) ?? ""
        #expect(row.contains("My own identities") && row.hasSuffix(mine), "\(labs.stdout)")
    }

    @Test func withNoThemeFilesTheDefaultThemeLoadsWithoutAWarning() {
        let catalog = ThemeCatalog(environment: ["HOME": "/nonexistent", "XDG_DATA_DIRS": "/nonexistent"])
        let (theme, refused) = catalog.initial(flag: nil, environment: [:], colors: 256)
        #expect(refused == nil && theme.name == "default")
        let missing = #expect(throws: ThemeError.self) { try catalog.load("no-such", colors: 256) }
        #expect(missing?.description.contains("the built-in themes") == true)
    }
}
