import Foundation
import Testing
import TestSupport
import TestTags

/// `virtlab vm screenshot` on the real daemon: a TCG test guest with a VGA display, drawn as characters and saved
/// as a PNG; a shut-off VM and one with only a serial console are one-line errors that say what to do.
@Suite(.serialized, .tags(.guest)) struct ScreenshotOnRealDaemonTests {
    @Test func aGuestsScreenIsDrawnAndSavedAndItsAbsenceExplained() async throws {
        let connection = try QEMUTestGuest.connect()
        let name = QEMUTestGuest.uniqueName("screen")
        defer { QEMUTestGuest.cleanUp(connection, name: name) }
        let disk = try QEMUTestGuest.makeDisk(name: name)
        let display = "<graphics type='vnc'><listen type='none'/></graphics><video><model type='vga'/></video>\n<serial"
        let uuid = UUID().uuidString.lowercased()
        let xml = QEMUTestGuest.domainXML(name: name, uuid: uuid, diskPath: disk).replacingOccurrences(of: "<serial", with: display)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(name).xml").path
        try xml.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        func virtlab(_ args: String...) async throws -> Run.Result { try await Run.virtlab(args + ["--uri", QEMUTestGuest.uri]) }

        #expect(try await virtlab("vm", "define", file).status == 0)
        let off = try await virtlab("vm", "screenshot", name)
        expectOneLineError(off, mentioning: ["\(name) is not running: start it to see its screen"])
        #expect(try await virtlab("vm", "start", name).status == 0)

        // The firmware writes to the screen first (SeaBIOS's banner): wait until the picture shows some text.
        var drawn = ""
        let shown = await eventually(timeout: .seconds(120)) {
            drawn = try await virtlab("vm", "screenshot", name, "--ascii", "--width", "80").stdout
            return drawn.contains { $0 != " " && $0 != "\n" }
        }
        #expect(shown, "the screen stayed blank: \(drawn)")
        let lines = drawn.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 23 && lines.allSatisfy { $0.count == lines.first?.count } && (lines.first?.count ?? 0) <= 80,
                "a picture fitted to 80×23 keeps its shape: \(lines.map(\.count))")
        #expect(drawn.allSatisfy { " .:-=+*#%@\n".contains($0) }, "plain characters only: \(drawn)")

        let png = FileManager.default.temporaryDirectory.appendingPathComponent("\(name).png").path
        defer { try? FileManager.default.removeItem(atPath: png) }
        let saved = try await virtlab("vm", "screenshot", name, "-o", png)
        #expect(saved.status == 0 && saved.stdout.hasPrefix("wrote \(png): ") && saved.stdout.contains(" pixels of \(name)'s display"),
                "\(saved.stdout)\(saved.stderr)")
        let header = try Data(contentsOf: URL(fileURLWithPath: png)).prefix(8)
        #expect(header == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        let wrongName = try await virtlab("vm", "screenshot", name, "-o", "/tmp/screen.jpg")
        #expect(wrongName.status == 64
                && wrongName.stderr.hasPrefix("Error: -o names a PNG file: end it with .png (/tmp/screen.jpg)\nUsage: "),
                "\(wrongName.stderr)")

        // Without a display device there is nothing to take a picture of; the serial console is named instead.
        _ = try await virtlab("vm", "destroy", name)
        try QEMUTestGuest.domainXML(name: name, uuid: uuid, diskPath: disk).write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try await virtlab("vm", "define", file).status == 0)
        #expect(try await virtlab("vm", "start", name).status == 0)
        let headless = try await virtlab("vm", "screenshot", name)
        expectOneLineError(headless, mentioning: ["\(name) has no display (no <video> device)", "virtlab vm console \(name)"])
    }
}
