import Classroom
import Foundation
import HostDoctor
import LabFormat

public typealias ResultBundle = Classroom.ResultBundle
public typealias SSHSignature = Classroom.SSHSignature

/// The student's side of a class, on the student's host: a released lab received (`lab receive`, which the teacher's
/// `class release` runs over ssh), a signed result to hand in (`lab submit`), and the teacher's feedback kept and
/// shown (`lab feedback`).
public enum StudentSide {
    /// Keeps the release: from then on this host grades the lab for that student with the class's parameters.
    /// Keeps a release and the lab file sent with it (nil: the host's own copy of the lab is graded, as from a
    /// teacher whose virtlab sends none). The file must load and be the lab named; nothing is kept otherwise.
    public static func receive(lab: String, className: String, classID: String, student: String, hash: String,
                               nonce: String, labFile: Data?, catalog: LabCatalog) throws {
        if let labFile {
            let (sent, problems) = LabLoader.parse(String(decoding: labFile, as: UTF8.self), file: "the released \(lab).yaml")
            if let problem = problems.first { throw UserFacingError("\(problem) (nothing was kept)") }
            guard sent?.id == lab else {
                throw UserFacingError("the lab file sent is lab '\(sent?.id ?? "")', not '\(lab)' (nothing was kept)")
            }
        } else if !catalog.load().labs.contains(where: { $0.id == lab }) {
            throw UserFacingError("no lab '\(lab)' on this host (its virtlab is older, or the lab is not installed)")
        }
        let release = LabRelease(classID: classID, className: className, lab: lab, student: student, parameterHash: hash,
                                 nonce: nonce, releasedAt: Date(), labDigest: labFile?.sha256Hex)
        do { try StudentInbox().keep(release, labFile: labFile) } catch {
            throw UserFacingError("cannot keep the release in \(StudentInbox().releaseDirectory): \((error as NSError).localizedDescription)")
        }
    }

    /// What `lab receive` prints: the teacher's `class release` reads the host's version from it.
    public static func receivedLine(lab: String, student: String, className: String) -> String {
        "received \(lab) for \(student) from class \(className) (virtlab \(virtlabVersion))"
    }

    /// The version a host's `lab receive` printed (nil: one before 0.10.0, which printed none).
    static func receivedVersion(_ printed: String) -> String? {
        guard let line = printed.split(whereSeparator: \.isNewline).last, line.hasSuffix(")"),
              let start = line.range(of: "(virtlab ", options: .backwards) else { return nil }
        return String(line[start.upperBound..<line.index(before: line.endIndex)]).withoutControlCharacters
    }

    /// Whether a student id is one a release can carry (letters, digits, '-', '_', '.').
    public static func isValidStudentID(_ id: String) -> Bool {
        !id.isEmpty && Parameters.sanitize(id) == id.filter { $0 != "." }
    }

    /// Grades the released lab and writes the bundle, signed with `key` (else the usual key); returns the report
    /// and the file written (default: LAB-STUDENT.virtlab-result here).
    public static func submit(_ work: LabWork, key given: String?, output: String?) async throws
        -> (report: LabReport, file: String, key: String)
    {
        let lab = work.lab
        guard let release = StudentInbox().release(lab: lab.id) else {
            throw UserFacingError("lab '\(lab.id)' was not released to this host: results are signed for a class "
                                  + "(your teacher runs 'virtlab class release'); to grade for yourself, run 'virtlab lab grade \(lab.id)'")
        }
        guard work.student == release.student else {
            throw UserFacingError("lab '\(lab.id)' was released to \(release.student) here, not \(work.student)")
        }
        let key = try signingKey(given)
        let report = await work.grade()
        try work.save(report)
        let identity = SystemIdentity.probe()
        let host = HostIdentity(machineID: identity.machineID.first?.value,
                                systemUUID: identity.systemUUID.lazy.compactMap(\.value).first,
                                hostName: ProcessInfo.processInfo.hostName)
        let payload = ResultPayload(release: release, labDigest: Data(lab.source.utf8).sha256Hex, host: host, submittedAt: Date(), report: report)
        let bundle: ResultBundle
        do { bundle = try ResultBundle(signing: payload, key: key) } catch let error as SSHSignature.Failure {
            throw UserFacingError(error.description + " (a key with a passphrase needs ssh-agent)")
        }
        let file = output ?? "\(lab.id)-\(release.student)\(ResultBundle.fileSuffix)"
        do { try bundle.fileData().write(to: URL(fileURLWithPath: file), options: .atomic) } catch {
            throw UserFacingError("cannot write \(file): \((error as NSError).localizedDescription)")
        }
        return (report, file, key)
    }

    /// --key, else $VIRTLAB_SSH_IDENTITY, else ~/.ssh/id_ed25519, id_ecdsa or id_rsa.
    static func signingKey(_ given: String?) throws -> String {
        let environment = ProcessInfo.processInfo.environment
        if let key = given ?? environment["VIRTLAB_SSH_IDENTITY"].flatMap({ $0.isEmpty ? nil : $0 }) {
            guard FileManager.default.fileExists(atPath: key) else { throw UserFacingError("no key at \(key)") }
            return key
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        guard let found = ["id_ed25519", "id_ecdsa", "id_rsa"].map({ "\(home)/.ssh/\($0)" })
            .first(where: FileManager.default.fileExists) else {
            throw UserFacingError("no SSH key to sign with: make one with 'ssh-keygen -t ed25519', give your teacher "
                                  + "the .pub, or name one with --key")
        }
        return found
    }

    /// The teacher's feedback on the lab, as they sent it.
    public static func feedback(lab: String) throws -> String {
        guard let text = StudentInbox().feedback(lab: lab) else {
            throw UserFacingError("no feedback on '\(lab)' yet: your teacher sends it with 'virtlab class feedback'")
        }
        return text
    }

    /// Keeps feedback the teacher sends (markdown on standard input, over ssh).
    public static func keepFeedback(_ text: String, lab: String) throws {
        let inbox = StudentInbox()
        do { try inbox.saveFeedback(text, lab: lab) } catch {
            throw UserFacingError("cannot keep the feedback in \(inbox.feedbackDirectory): \((error as NSError).localizedDescription)")
        }
    }
}
