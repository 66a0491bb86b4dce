import Dashboard
import Foundation
import Testing
import TestTags
import TermUI

/// Themes on disk: found by name in the catalog's directories, or refused saying where it looked.
@Suite(.tags(.pure)) struct ThemeCatalogTests {
    static let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("themes").path

    @Test func aThemeIsFoundByNameAndEveryShippedOneIsListed() throws {
        let catalog = ThemeCatalog(environment: ["VIRTLAB_THEMES_DIR": Self.shipped, "HOME": "/nonexistent"])
        #expect(try catalog.load("light", colors: 256).name == "light")
        #expect(Set(["default", "light", "mono", "high-contrast"]).isSubset(of: Set(catalog.names)))
    }

    @Test func aMissingThemeSaysWhereItLooked() {
        let error = #expect(throws: ThemeError.self) { try ThemeCatalog.read("nope", directories: ["/x/themes"]) }
        #expect(error?.description.contains("/x/themes") == true)
    }
}
