import Foundation
import Testing
import TestSupport
import TestTags

extension Repository {
    /// The Swift files under a folder of this checkout, with their paths from the root.
    static func swiftFiles(under folder: String) throws -> [(path: String, text: String)] {
        let walker = FileManager.default.enumerator(at: root.appendingPathComponent(folder), includingPropertiesForKeys: nil)
        return try (walker?.allObjects as? [URL] ?? []).filter { $0.pathExtension == "swift" }
            .map { ($0.path.replacingOccurrences(of: root.path + "/", with: ""), try String(contentsOf: $0, encoding: .utf8)) }
            .sorted { $0.path < $1.path }
    }
}

@Suite(.tags(.pure)) struct SuiteTierTests {
    static let tiers = ["pure", "daemon", "guest", "engine", "package"]

    /// `make test-unit` runs what is tagged .pure (.ci/suites-tagged reads the tags), so a suite without a
    /// tier would silently run only in `make test`, and one with a tier in a form the script cannot read
    /// would silently never run in test-unit.
    @Test func everySuiteNamesItsTierWhereTheScriptReadsIt() throws {
        let suite = try Regex(#"@Suite(\([^{]*\))? *(?:final class|struct) (\w+)"#)
        var untiered: [String] = []
        var suites = 0
        for file in try Repository.swiftFiles(under: "Tests") {
            for match in file.text.matches(of: suite) {
                suites += 1
                let traits = match.output[1].substring.map(String.init) ?? ""
                let name = match.output[2].substring.map(String.init) ?? "?"
                if !Self.tiers.contains(where: { traits.contains(".tags(.\($0)") || traits.contains(", .\($0))") }) {
                    untiered.append("\(file.path): \(name)")
                }
            }
        }
        #expect(suites > 50)
        #expect(untiered.isEmpty, "suites without a tier tag: \(untiered)")
    }

    /// The pattern `make test-unit` uses selects the pure suites and none of the others.
    @Test func theUnitPatternSelectsThePureSuitesOnly() async throws {
        let pure = try await Self.pattern("pure"), guest = try await Self.pattern("guest")
        #expect(pure.contains("|UnitsTests|") && pure.contains("|SuiteTierTests|"))
        #expect(!pure.contains("QEMUGuestTests") && guest.contains("QEMUGuestTests"))
        let regex = try Regex(pure)
        #expect("RuntimeTests.WakeupTests/aWakeEndsTheWait()".contains(regex))
        #expect(!"ProvisioningTests.ProvisioningTests/overlay()".contains(regex))
    }

    static func pattern(_ tag: String) async throws -> String {
        let script = Repository.root.appendingPathComponent(".ci/suites-tagged").path
        let result = try await Run.command([script, tag])
        try #require(result.status == 0, "\(result.stderr)")
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
