import Foundation
import HostDoctor

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
    /// SHA-256 of the lab file sent with the release: a bundle graded with another file is flagged `lab-changed`.
    /// Nil for a release made before labs were sent.
    public let labDigest: String?

    public init(classID: String, className: String, lab: String, student: String, parameterHash: String,
                nonce: String, releasedAt: Date, labDigest: String?) {
        (self.classID, self.className, self.lab, self.student) = (classID, className, lab, student)
        (self.parameterHash, self.nonce, self.releasedAt, self.labDigest) = (parameterHash, nonce, releasedAt, labDigest)
    }

    /// 128 random bits in hex.
    public static func freshNonce() -> String { randomHex(bits: 128) }

    enum CodingKeys: String, CodingKey {
        case classID = "class_id", className = "class", lab, student
        case parameterHash = "parameter_hash", nonce, releasedAt = "released_at", labDigest = "lab_digest"
    }
}

/// What a student's host has received from the teacher, under `$XDG_DATA_HOME/virtlab`: releases
/// (`releases/LAB.json`, the latest replacing the one before, and the lab file sent with it, `releases/LAB.yaml`,
/// which the lab catalog reads first) and feedback (`feedback/LAB.md`), written atomically.
public struct StudentInbox: Sendable {
    public let releaseDirectory: String
    public let feedbackDirectory: String

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        releaseDirectory = DataDirectories.user("releases", environment: environment)
        feedbackDirectory = DataDirectories.user("feedback", environment: environment)
    }

    public func feedbackPath(lab: String) -> String { "\(feedbackDirectory)/\(lab).md" }

    public func saveFeedback(_ text: String, lab: String) throws {
        try FileManager.default.createDirectory(atPath: feedbackDirectory, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: feedbackPath(lab: lab)), options: .atomic)
    }

    public func feedback(lab: String) -> String? { try? String(contentsOfFile: feedbackPath(lab: lab), encoding: .utf8) }

    public func releasePath(lab: String) -> String { "\(releaseDirectory)/\(lab).json" }

    /// Keeps the release, and the lab file that came with it (the file first: a release never names a lab file
    /// that is not there).
    public func keep(_ release: LabRelease, labFile: Data?) throws {
        try FileManager.default.createDirectory(atPath: releaseDirectory, withIntermediateDirectories: true)
        let labPath = "\(releaseDirectory)/\(release.lab).yaml"
        if let labFile {
            try labFile.write(to: URL(fileURLWithPath: labPath), options: .atomic)
        } else if FileManager.default.fileExists(atPath: labPath) {
            try FileManager.default.removeItem(atPath: labPath)
        }
        try JSONCoding.encoder.encode(release).write(to: URL(fileURLWithPath: releasePath(lab: release.lab)), options: .atomic)
    }

    /// Whose lab this host grades and with which `{hash}`: the release's student and hash when the lab was
    /// released here and no other student is named; else the named (or default) student and the public hash.
    public func student(for lab: String, named: String?, otherwise fallback: String) -> (name: String, hash: String?) {
        guard let release = release(lab: lab), named == nil || named == release.student else { return (named ?? fallback, nil) }
        return (release.student, release.parameterHash)
    }

    /// The lab's release, if one was received (a file that does not read back counts as none).
    public func release(lab: String) -> LabRelease? {
        guard let data = FileManager.default.contents(atPath: releasePath(lab: lab)) else { return nil }
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
