import Foundation
import LabFormat

/// The machine a result was made on, as its own files say.
public struct HostIdentity: Codable, Sendable, Equatable {
    /// /etc/machine-id.
    public let machineID: String?
    /// The firmware's system UUID (often readable by root only).
    public let systemUUID: String?
    public let hostName: String

    public init(machineID: String?, systemUUID: String?, hostName: String) {
        (self.machineID, self.systemUUID, self.hostName) = (machineID, systemUUID, hostName)
    }

    enum CodingKeys: String, CodingKey { case machineID = "machine_id", systemUUID = "system_uuid", hostName = "host_name" }

    /// A bundle's host says who it is: its words are cleaned as they are read (see `withoutControlCharacters`).
    public init(from decoder: Decoder) throws {
        let fields = try decoder.container(keyedBy: CodingKeys.self)
        self.init(machineID: try fields.decodeIfPresent(String.self, forKey: .machineID)?.withoutControlCharacters,
                  systemUUID: try fields.decodeIfPresent(String.self, forKey: .systemUUID)?.withoutControlCharacters,
                  hostName: try fields.decode(String.self, forKey: .hostName).withoutControlCharacters)
    }
}

/// What a student signs: the report with its evidence, and everything that ties it to one student, one host,
/// one release of one lab file.
public struct ResultPayload: Codable, Sendable {
    public static let currentFormat = "virtlab-result/1"

    public let format: String
    public let classID: String
    public let className: String
    public let lab: String
    /// SHA-256 of the lab file the host graded with.
    public let labDigest: String
    public let student: String
    public let parameterHash: String
    public let nonce: String
    public let host: HostIdentity
    public let submittedAt: Date
    public let report: LabReport

    public init(release: LabRelease, labDigest: String, host: HostIdentity, submittedAt: Date, report: LabReport) {
        format = Self.currentFormat
        (classID, className, lab, student) = (release.classID, release.className, release.lab, release.student)
        (parameterHash, nonce) = (release.parameterHash, release.nonce)
        (self.labDigest, self.host, self.submittedAt, self.report) = (labDigest, host, submittedAt, report)
    }

    enum CodingKeys: String, CodingKey {
        case format, classID = "class_id", className = "class", lab, labDigest = "lab_digest", student
        case parameterHash = "parameter_hash", nonce, host, submittedAt = "submitted_at", report
    }
}

/// One submitted result: the payload's exact bytes and the student's SSH signature over them. On disk, a JSON
/// object with both (the payload as a string, so what was signed is what is read back), one file per lab.
public struct ResultBundle: Sendable {
    public static let fileSuffix = ".virtlab-result"

    public let payloadBytes: Data
    public let payload: ResultPayload
    public let signature: String

    /// A bundle that will not read: not JSON, not a bundle, truncated, a format this virtlab does not know.
    public struct Unreadable: Error, CustomStringConvertible, Equatable {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// Signs the payload with the student's key.
    public init(signing payload: ResultPayload, key: String) throws {
        payloadBytes = try JSONCoding.encoder.encode(payload)
        self.payload = payload
        signature = try SSHSignature.sign(payloadBytes, key: key, namespace: SSHSignature.resultNamespace)
    }

    public init(file data: Data) throws {
        struct Envelope: Decodable { let virtlabResult: Int; let payload: String; let signature: String
            enum CodingKeys: String, CodingKey { case virtlabResult = "virtlab_result", payload, signature } }
        guard let object = try? JSONSerialization.jsonObject(with: data) else {
            throw Unreadable(description: data.isEmpty ? "empty: not a virtlab result"
                             : "not JSON (truncated, or not a virtlab result)")
        }
        guard let envelope = try? JSONDecoder().decode(Envelope.self, from: data), object is [String: Any] else {
            throw Unreadable(description: "not a virtlab result (no 'virtlab_result', 'payload' and 'signature')")
        }
        guard envelope.virtlabResult == 1 else {
            throw Unreadable(description: "a virtlab result of version \(envelope.virtlabResult): this virtlab reads 1 (update it)")
        }
        payloadBytes = Data(envelope.payload.utf8)
        do { payload = try Self.decodePayload(payloadBytes) } catch {
            throw Unreadable(description: "its payload is not a virtlab result: "
                + ((error as? DecodingError).map(describe) ?? "\(error)"))
        }
        guard payload.format == ResultPayload.currentFormat else {
            throw Unreadable(description: "payload format '\(payload.format)': this virtlab reads \(ResultPayload.currentFormat)")
        }
        signature = envelope.signature
    }

    public static func decodePayload(_ bytes: Data) throws -> ResultPayload {
        try JSONCoding.decoder.decode(ResultPayload.self, from: bytes)
    }

    public func fileData() throws -> Data {
        let envelope: [String: Any] = ["virtlab_result": 1, "payload": String(decoding: payloadBytes, as: UTF8.self),
                                       "signature": signature]
        return try JSONSerialization.data(withJSONObject: envelope, options: [.prettyPrinted, .sortedKeys])
    }

    /// SHA-256 of what was signed and the signature: the same bundle imported twice is one attempt, while the
    /// same payload signed by someone else is another.
    public var digest: String { (payloadBytes + Data(signature.utf8)).sha256Hex }
}
