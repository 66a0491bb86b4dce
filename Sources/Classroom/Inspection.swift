import Foundation

/// What the teacher makes of one submitted bundle. Anything but `verified` is kept as evidence and earns no
/// points: a live re-grade of the student's host is the authority.
public struct Verdict: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case verified
        /// The signature does not match the bytes: changed after signing.
        case edited
        /// Signed by one student but carrying another's identity, parameters, release or host.
        case copied
        /// Carries a nonce of an earlier release of the lab (or one this class never issued).
        case replayed
        /// No enrolled key made the signature.
        case unknownSigner = "unknown-signer"
        /// Graded with a lab file other than the one released: the checks were not the teacher's.
        case labChanged = "lab-changed"
    }

    public let kind: Kind
    public let detail: String
    /// Whose enrolled key made the signature, when one did.
    public let signer: String?
    /// Whose attempt it is when not the student the payload names: a copy belongs to whoever handed it in (or,
    /// failing that, signed it).
    public let student: String?

    public init(_ kind: Kind, _ detail: String, signer: String?, student: String? = nil) {
        (self.kind, self.detail, self.signer, self.student) = (kind, detail, signer, student)
    }
}

/// What the gradebook knows that a bundle is checked against.
public struct ClassRecords: Sendable {
    public struct Issued: Sendable, Equatable {
        public let student: String
        public let lab: String
        /// The latest release of this lab to this student.
        public let current: Bool
        /// SHA-256 of the lab file sent with it; nil for a release that sent none.
        public let labDigest: String?

        public init(student: String, lab: String, current: Bool, labDigest: String? = nil) {
            (self.student, self.lab, self.current, self.labDigest) = (student, lab, current, labDigest)
        }
    }

    /// Release nonces as issued.
    public var nonces: [String: Issued]
    /// machine-id → the student whose results first came from it.
    public var hosts: [String: String]

    public init(nonces: [String: Issued] = [:], hosts: [String: String] = [:]) { (self.nonces, self.hosts) = (nonces, hosts) }
}

/// Checks bundles for a class: whose key signed it, whether the bytes are as signed, and whether everything in
/// them (student, parameters, release, host) belongs to the one who signed.
public struct BundleInspector: Sendable {
    public let classID: String
    public let className: String
    public let secret: ClassSecret
    public let allowedSigners: String
    public let students: [Student]

    public init(directory: ClassDirectory) throws {
        let secret = try directory.secret()
        (self.secret, classID, className) = (secret, secret.classID, try directory.config().name)
        allowedSigners = directory.allowedSignersFile
        students = try directory.roster().students
    }

    /// A bundle that is not this class's at all, or names a student the roster lacks: not imported.
    public struct Refusal: Error, CustomStringConvertible {
        public let description: String
    }

    /// - submittedBy: who handed it in, when the file's name or folder says (an LMS bulk download does).
    public func inspect(_ bundle: ResultBundle, submittedBy: String?, records: ClassRecords) throws -> Verdict {
        let payload = bundle.payload
        guard payload.classID == classID else {
            throw Refusal(description: payload.className == className
                ? "made for another class named '\(className)' (another class directory, another secret)"
                : "made for another class ('\(payload.className)'), not \(className)")
        }
        guard students.contains(where: { $0.id == payload.student }) else {
            throw Refusal(description: "for student '\(payload.student)', who is not in the roster")
        }
        guard FileManager.default.fileExists(atPath: allowedSigners) else {
            throw Refusal(description: "no students are enrolled yet: add their public keys with 'virtlab class enrol'")
        }
        let signers = SSHSignature.principals(of: bundle.signature, allowedSigners: allowedSigners)
            .filter { $0 != ClassDirectory.teacherPrincipal }
        guard let signer = signers.first(where: { $0 == payload.student }) ?? signers.first else {
            return Verdict(.unknownSigner, "no enrolled key made its signature", signer: nil)
        }
        guard SSHSignature.verify(bundle.payloadBytes, signature: bundle.signature, principal: signer,
                                  namespace: SSHSignature.resultNamespace, allowedSigners: allowedSigners) else {
            return Verdict(.edited, "changed after \(signer) signed it: the signature does not match", signer: signer)
        }
        if let copied = copiedFrom(payload, signer: signer, submittedBy: submittedBy, records: records) {
            return Verdict(.copied, copied, signer: signer, student: submittedBy ?? signer)
        }
        switch records.nonces[payload.nonce] {
        case nil: return Verdict(.replayed, "its release nonce was never issued by this class", signer: signer)
        case .some(let issued) where !issued.current:
            return Verdict(.replayed, "made for an earlier release of \(payload.lab): release it again or re-grade live",
                           signer: signer)
        case .some(let issued) where issued.labDigest.map { $0 != payload.labDigest } ?? false:
            return Verdict(.labChanged, "graded with a lab file other than the one released (\(payload.labDigest.prefix(12))…, "
                           + "released \((issued.labDigest ?? "").prefix(12))…): re-grade live", signer: signer)
        default: return Verdict(.verified, "signed by \(signer)", signer: signer)
        }
    }

    /// Why the bundle is not `signer`'s own work, or nil.
    func copiedFrom(_ payload: ResultPayload, signer: String, submittedBy: String?, records: ClassRecords) -> String? {
        if payload.student != signer { return "signed by \(signer) but carries \(payload.student)'s results" }
        if let submittedBy, submittedBy != signer { return "handed in by \(submittedBy) but signed by \(signer)" }
        if payload.parameterHash != secret.parameterHash(lab: payload.lab, student: signer) {
            let owner = students.first { secret.parameterHash(lab: payload.lab, student: $0.id) == payload.parameterHash }
            return "carries \(owner.map { "\($0.id)'s" } ?? "someone else's") parameters, not \(signer)'s"
        }
        if let issued = records.nonces[payload.nonce], issued.student != signer || issued.lab != payload.lab {
            return "carries the release issued to \(issued.student) for \(issued.lab)"
        }
        if let machine = payload.host.machineID, let owner = records.hosts[machine], owner != signer {
            return "made on \(owner)'s host (machine-id \(machine.prefix(12))…)"
        }
        return nil
    }

    /// The student an LMS download names in a file's path (Moodle: "Full Name_12345_assignsubmission_file_/…"),
    /// by id or full name: the folder first (the LMS made it), then the file's name; nil when none or several do.
    public func submitter(of path: String) -> String? {
        let components = path.split(separator: "/").suffix(2).map { $0.lowercased() }
        func names(_ student: Student, in words: String) -> Bool {
            [student.id, student.name].contains { key in
                let key = key.lowercased()
                guard !key.isEmpty, let range = words.range(of: key) else { return false }
                let before = range.lowerBound == words.startIndex ? nil : words[words.index(before: range.lowerBound)]
                let after = range.upperBound == words.endIndex ? nil : words[range.upperBound]
                return [before, after].allSatisfy { $0.map { !($0.isLetter || $0.isNumber) } ?? true }
            }
        }
        for words in components {
            let matches = students.filter { names($0, in: words) }
            if !matches.isEmpty { return matches.count == 1 ? matches[0].id : nil }
        }
        return nil
    }
}
