import Foundation

/// Splits the engine's multiplexed output (logs and exec without a terminal) into stdout and stderr.
///
/// Each frame is an 8-byte header — stream (1 = stdout, 2 = stderr), three zero bytes, a big-endian length —
/// then the payload. Output of a container with a terminal is not framed; a header that does not look like one
/// means raw output, so both kinds come out readable.
public struct OutputFrames: Sendable {
    public private(set) var stdout = Data()
    public private(set) var stderr = Data()
    /// True once more than `limit` bytes arrived; the rest is dropped.
    public private(set) var truncated = false
    private let limit: Int
    private var pending = Data()
    private var isRaw: Bool?

    public init(limit: Int = 64 * 1024) { self.limit = limit }

    public mutating func append(_ bytes: Data) {
        pending.append(bytes)
        if isRaw == nil, pending.count >= 8 { isRaw = !Self.looksLikeHeader(pending.prefix(8)) }
        if isRaw == true {
            keep(pending, into: \.stdout)
            pending.removeAll()
            return
        }
        while pending.count >= 8 {
            let header = Array(pending.prefix(8))
            let length = Int(header[4]) << 24 | Int(header[5]) << 16 | Int(header[6]) << 8 | Int(header[7])
            guard pending.count >= 8 + length else { return }
            let payload = pending.subdata(in: pending.startIndex + 8 ..< pending.startIndex + 8 + length)
            keep(payload, into: header[0] == 2 ? \.stderr : \.stdout)
            pending.removeSubrange(pending.startIndex ..< pending.startIndex + 8 + length)
        }
    }

    /// Call at the end: a short unframed tail (under 8 bytes) is raw output.
    public mutating func finish() {
        guard !pending.isEmpty else { return }
        if isRaw != false { keep(pending, into: \.stdout) }
        pending.removeAll()
    }

    private static func looksLikeHeader(_ bytes: Data) -> Bool {
        let b = Array(bytes)
        return b[0] <= 2 && b[1] == 0 && b[2] == 0 && b[3] == 0
    }

    private mutating func keep(_ bytes: Data, into stream: WritableKeyPath<OutputFrames, Data>) {
        let room = limit - stdout.count - stderr.count
        if bytes.count > room { truncated = true }
        guard room > 0 else { return }
        self[keyPath: stream].append(bytes.prefix(room))
    }
}
