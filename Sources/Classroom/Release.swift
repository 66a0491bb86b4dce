import Crypto
import Foundation

/// What a teacher sends a student's host when a lab is released: whose lab it is, the student's parameter hash
/// (from the class secret, which never leaves the teacher), and a nonce that the student's submission must carry.
/// A new release of the same lab issues a new nonce, so a bundle made before it counts as replayed.
public struct LabRelease: Codable, Sendable, Equatable {
    /// A name for the class derived from its secret: bundles signed for another class are told apart even when
    /// two classes share a name.
    public let classID: String
    public let className: String
    public let lab: String
    public let student: String
    public let parameterHash: String
    public let nonce: String
    public let releasedAt: Date

    public init(classID: String, className: String, lab: String, student: String, parameterHash: String,
                nonce: String, releasedAt: Date) {
        (self.classID, self.className, self.lab, self.student) = (classID, className, lab, student)
        (self.parameterHash, self.nonce, self.releasedAt) = (parameterHash, nonce, releasedAt)
    }

    /// 128 random bits in hex.
    public static func freshNonce() -> String {
        SymmetricKey(size: .bits128).withUnsafeBytes { Data($0) }.map { String(format: "%02x", $0) }.joined()
    }

    enum CodingKeys: String, CodingKey {
        case classID = "class_id", className = "class", lab, student
        case parameterHash = "parameter_hash", nonce, releasedAt = "released_at"
    }
}

/// The releases a student's host has received: `$XDG_DATA_HOME/virtlab/releases/LAB.json`, one per lab
/// (the latest release replaces the one before), written atomically.
public struct ReleaseStore: Sendable {
    public let directory: String

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        let data = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "\(environment["HOME"] ?? NSHomeDirectory())/.local/share"
        directory = data + "/virtlab/releases"
    }

    public func path(lab: String) -> String { "\(directory)/\(lab).json" }

    public func save(_ release: LabRelease) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try JSONCoding.encoder.encode(release).write(to: URL(fileURLWithPath: path(lab: release.lab)), options: .atomic)
    }

    /// Whose lab this host grades and with which `{hash}`: the release's student and hash when the lab was
    /// released here and no other student is named; else the named (or default) student and the public hash.
    public func student(for lab: String, named: String?, otherwise fallback: String) -> (name: String, hash: String?) {
        guard let release = load(lab: lab), named == nil || named == release.student else { return (named ?? fallback, nil) }
        return (release.student, release.parameterHash)
    }

    /// The lab's release, if one was received (a file that does not read back counts as none).
    public func load(lab: String) -> LabRelease? {
        guard let data = FileManager.default.contents(atPath: path(lab: lab)) else { return nil }
        return try? JSONCoding.decoder.decode(LabRelease.self, from: data)
    }
}

/// The one JSON style of the classroom's files: sorted keys, ISO 8601 dates.
enum JSONCoding {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()
    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()
}
