import BlockingWork
import Foundation
import VirtKit

/// Types a command on a test guest's serial console (its busybox shell) and returns what it printed, as a person
/// at the console would: through libvirt's console stream, the same path `virtlab vm console` takes.
public enum GuestConsole {
    public struct NoAnswer: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs `command` in the guest's shell and returns its output (the lines between two markers), waiting up to
    /// `timeout` for the shell to answer; `command` may run more than once (it is typed again until the shell
    /// answers), so it must be one that can.
    public static func run(_ command: String, in domain: Domain, timeout: Duration = .seconds(120)) async throws -> String {
        let token = UUID().uuidString.prefix(8)
        let (begin, end) = ("vl-begin-\(token)", "vl-end-\(token)")
        var input: [Int32] = [-1, -1]
        var output: [Int32] = [-1, -1]
        guard pipe(&input) == 0, pipe(&output) == 0 else { throw NoAnswer(description: "no pipes for the console") }
        _ = fcntl(output[0], F_SETFL, fcntl(output[0], F_GETFL) | O_NONBLOCK)
        let (toGuest, fromGuest, consoleIn, consoleOut) = (input[1], output[0], input[0], output[1])
        let relay = Task { try await BlockingPool.run { try domain.attachConsole(input: consoleIn, output: consoleOut) } }
        // Echo the markers with a quote split in them, so the typed line itself (echoed back) never matches.
        let line = "\necho vl-begin-''\(token); \(command); echo vl-end-''\(token)\n"
        var seen = ""
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: 4096)
        // Typed again until the shell answers: a line typed while the guest's shell is still starting is lost.
        // (So `command` must be one that can run twice.)
        var typedAt = ContinuousClock.now - .seconds(60)
        while !seen.contains(end + "\r") && !seen.contains(end + "\n") && ContinuousClock.now < deadline {
            if !seen.contains(begin) && ContinuousClock.now - typedAt > .seconds(5) {
                _ = line.withCString { write(toGuest, $0, strlen($0)) }
                typedAt = ContinuousClock.now
            }
            let count = read(fromGuest, &buffer, buffer.count)
            if count > 0 { seen += String(decoding: buffer.prefix(count), as: UTF8.self) } else {
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
        close(toGuest)  // the relay sees its input end and returns
        _ = try? await relay.value
        for fd in [fromGuest, consoleIn, consoleOut] { close(fd) }
        guard let start = seen.range(of: begin + "\r") ?? seen.range(of: begin + "\n"),
              let stop = seen.range(of: end, range: start.upperBound..<seen.endIndex) else {
            throw NoAnswer(description: "the console of \(domain.name) did not answer '\(command)'; it showed: \(seen.suffix(500))")
        }
        return String(seen[start.upperBound..<stop.lowerBound]).replacingOccurrences(of: "\r", with: "")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
