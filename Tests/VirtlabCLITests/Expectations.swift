import Testing
import TestSupport

/// A refused command, as the README promises: a non-zero exit, nothing on stdout, one line on stderr naming
/// the thing (`note:` lines aside, where `notesAllowed`), and no crash.
func expectOneLineError(_ result: Run.Result, mentioning needles: [String], notesAllowed: Bool = true,
                        sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(result.status != 0, sourceLocation: sourceLocation)
    #expect(result.stdout.isEmpty, "stdout: \(result.stdout)", sourceLocation: sourceLocation)
    let lines = result.stderr.split(separator: "\n").filter { !notesAllowed || !$0.hasPrefix("note:") }
    #expect(lines.count == 1, "stderr: \(result.stderr)", sourceLocation: sourceLocation)
    for needle in needles {
        #expect(lines.first?.contains(needle) == true, "missing \(needle) in \(result.stderr)",
                sourceLocation: sourceLocation)
    }
    #expect(!result.stderr.contains("Fatal error") && !result.stderr.contains("Backtrace"),
            sourceLocation: sourceLocation)
}
