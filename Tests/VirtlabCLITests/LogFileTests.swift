import Foundation
import Logging
import Testing
import Services
import TestTags
@testable import VirtlabCLI

/// The dashboard logs through swift-log into `$XDG_STATE_HOME/virtlab/virtlab.log`, one line per message.
@Suite(.tags(.pure)) struct LogFileTests {
    @Test func messagesAppendAsLinesWithLevelLabelAndMetadata() throws {
        let state = NSTemporaryDirectory() + "vl-log-\(UUID().uuidString.prefix(6))"
        defer { try? FileManager.default.removeItem(atPath: state) }
        let file = LogFile(environment: ["XDG_STATE_HOME": state])
        #expect(file.path == "\(state)/virtlab/virtlab.log")
        var logger = file.logger(label: "virtlab.test")
        logger.info("starting")
        logger[metadataKey: "uri"] = "test:///default"
        logger.error("refresh failed")
        logger.debug("below the level: not written")
        let lines = try String(contentsOfFile: file.path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first?.hasSuffix(" info virtlab.test: starting") == true)
        #expect(lines.last?.hasSuffix(" error virtlab.test: refresh failed uri=test:///default") == true)
        // A second logger on the same file appends; nothing is overwritten.
        file.logger(label: "virtlab.other").warning("again")
        #expect(try String(contentsOfFile: file.path, encoding: .utf8).split(separator: "\n").count == 3)
    }
}
