import Classroom
import Foundation
import GRDB
import LabFormat

/// A gradebook that cannot be opened or written: one line naming the file and what to do.
public struct GradebookError: Error, CustomStringConvertible, Equatable {
    public let description: String
}

/// The teacher's gradebook, `gradebook.sqlite` in the class directory: students, releases, attempts (live,
/// submitted, self) with their verdict, and every check's result with its evidence. Each change is one
/// transaction: a failure half-way leaves the gradebook as it was.
public final class Gradebook: Sendable {
    public enum Kind: String, Sendable, Codable {
        /// Graded by the teacher's virtlab on the student's host; signed by the teacher's key when stored.
        case live
        /// A bundle the student signed and handed in.
        case submitted
    }

    /// One attempt, as stored.
    public struct Attempt: Sendable, Equatable, Codable {
        public let id: Int64
        public let student: String
        public let lab: String
        public let kind: Kind
        /// `verified`, `edited`, `copied`, `replayed`, `unknown-signer` for submissions; `graded` or what went
        /// wrong (`unreachable`, `timed-out` …) for live grades.
        public let status: String
        public let detail: String
        public let earned: Int?
        public let possible: Int?
        public let at: Date
        public let source: String
    }

    private let database: DatabaseQueue
    public let path: String

    public init(path: String) throws {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(3)
        configuration.foreignKeysEnabled = true
        do {
            database = try DatabaseQueue(path: path, configuration: configuration)
            try database.read { db in
                if try Self.migrator.hasBeenSuperseded(db) {
                    throw GradebookError(description: "\(path) was written by a newer virtlab: update virtlab to use it")
                }
            }
            try Self.migrator.migrate(database)
        } catch let error as GradebookError {
            throw error
        } catch {
            throw Self.explain(error, path: path)
        }
    }

    // MARK: Writing

    public func record(roster: [Student]) throws {
        try write { db in
            for student in roster {
                try db.execute(sql: """
                    INSERT INTO students (id, name, email) VALUES (?, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET name = excluded.name, email = excluded.email
                    """, arguments: [student.id, student.name, student.email])
            }
        }
    }

    /// A release about to be sent: known (a bundle carrying it is this class's), but not yet the student's
    /// current one, which it becomes when the host has it (`markDelivered`).
    public func record(_ release: LabRelease) throws {
        try write { db in
            try db.execute(sql: """
                INSERT INTO releases (nonce, student, lab, issued_at, delivered, current, lab_digest) VALUES (?, ?, ?, ?, 0, 0, ?)
                """, arguments: [release.nonce, release.student, release.lab, release.releasedAt, release.labDigest])
        }
    }

    /// The host has the release: it is now the student's current one for the lab, and earlier nonces are replays.
    public func markDelivered(_ release: LabRelease) throws {
        try write { db in
            try db.execute(sql: "UPDATE releases SET current = (nonce = ?) WHERE student = ? AND lab = ?",
                           arguments: [release.nonce, release.student, release.lab])
            try db.execute(sql: "UPDATE releases SET delivered = 1 WHERE nonce = ?", arguments: [release.nonce])
        }
    }

    public func records() throws -> ClassRecords {
        try read { db in
            var records = ClassRecords()
            for row in try Row.fetchAll(db, sql: "SELECT nonce, student, lab, current, lab_digest FROM releases") {
                records.nonces[row["nonce"]] = .init(student: row["student"], lab: row["lab"], current: row["current"],
                                                     labDigest: row["lab_digest"])
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT machine_id, student FROM attempts WHERE machine_id IS NOT NULL ORDER BY at, id
                """) where records.hosts[row["machine_id"]] == nil {
                records.hosts[row["machine_id"]] = row["student"]
            }
            return records
        }
    }

    public enum Imported: Sendable, Equatable {
        case added(Int64)
        /// The same bundle (by the digest of what was signed) is in the gradebook already: nothing changed.
        case alreadyThere(Int64)
    }

    /// A submitted bundle with its verdict, as the attempt of the student it is attributed to. Importing it again
    /// changes nothing; the same bytes handed in by someone else are their attempt (a copy).
    public func `import`(_ bundle: ResultBundle, verdict: Verdict, source: String) throws -> Imported {
        try write { db in
            let payload = bundle.payload
            let student = verdict.student ?? payload.student
            if let id = try Int64.fetchOne(db, sql: "SELECT id FROM attempts WHERE digest = ? AND student = ?",
                                           arguments: [bundle.digest, student]) {
                return .alreadyThere(id)
            }
            let counts = verdict.kind == .verified
            let id = try Self.insertAttempt(db, student: student, lab: payload.lab, kind: .submitted,
                                            status: verdict.kind.rawValue, detail: verdict.detail,
                                            earned: counts ? payload.report.earned : nil,
                                            possible: payload.report.possible, at: payload.submittedAt,
                                            digest: bundle.digest, signer: verdict.signer,
                                            machineID: payload.host.machineID, hostName: payload.host.hostName,
                                            labDigest: payload.labDigest, source: source,
                                            signature: bundle.signature, document: bundle.payloadBytes)
            try Self.insertChecks(db, attempt: id, report: payload.report)
            return .added(id)
        }
    }

    /// A live grade: the host's report (nil when there is none: unreachable, timed out …), signed by the teacher.
    @discardableResult
    public func recordLive(student: String, lab: String, status: String, detail: String, report: LabReport?,
                           reportBytes: Data?, host: String, signature: String?, at: Date) throws -> Int64 {
        try write { db in
            let id = try Self.insertAttempt(db, student: student, lab: lab, kind: .live, status: status, detail: detail,
                                            earned: report?.earned, possible: report?.possible, at: at,
                                            digest: "live-" + UUID().uuidString,
                                            signer: signature == nil ? nil : ClassDirectory.teacherPrincipal,
                                            machineID: nil, hostName: host, labDigest: nil, source: "ssh \(host)",
                                            signature: signature, document: reportBytes)
            if let report { try Self.insertChecks(db, attempt: id, report: report) }
            return id
        }
    }

    // MARK: Reading

    public func attempts(student: String? = nil, lab: String? = nil) throws -> [Attempt] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(Self.attemptColumns) FROM attempts
                WHERE (?1 IS NULL OR student = ?1) AND (?2 IS NULL OR lab = ?2) ORDER BY at, id
                """, arguments: [student, lab]).map(Self.attempt)
        }
    }

    private static let attemptColumns = "id, student, lab, kind, status, detail, earned, possible, at, source"

    /// A detail may hold a host's own words (its last error line): read back without control characters, so
    /// no gradebook written by an older virtlab puts escapes on a teacher's screen.
    private static func attempt(_ row: Row) -> Attempt {
        Attempt(id: row["id"], student: row["student"], lab: row["lab"], kind: Kind(rawValue: row["kind"]) ?? .submitted,
                status: row["status"], detail: (row["detail"] as String).withoutControlCharacters, earned: row["earned"], possible: row["possible"],
                at: row["at"], source: row["source"])
    }

    /// What was signed for an attempt (a live grade's report, a bundle's payload) and the signature over it.
    public func signedDocument(attempt: Int64) throws -> (document: Data, signature: String)? {
        try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT document, signature FROM attempts WHERE id = ?",
                                             arguments: [attempt]),
                  let document: Data = row["document"], let signature: String = row["signature"] else { return nil }
            return (document, signature)
        }
    }

    /// The whole report an attempt carried (steps, checks, evidence), as the host made it.
    public func report(of attempt: Attempt) throws -> LabReport? {
        try signedDocument(attempt: attempt.id).flatMap { Self.report(in: $0.document, kind: attempt.kind) }
    }

    /// The report in what was signed: a live grade's JSON report, or a submitted bundle's payload.
    private static func report(in document: Data, kind: Kind) -> LabReport? {
        switch kind {
        case .live: ReportFormat.parseJSON(document)
        case .submitted: (try? ResultBundle.decodePayload(document))?.report
        }
    }

    /// An attempt whose stored row no longer matches what was signed: the signature fails, or the points kept
    /// beside it are not the signed report's.
    public struct Mismatch: Sendable, Equatable {
        public let attempt: Attempt
        public let problem: String
    }

    /// Checks every attempt whose signature held when it was stored (not those already found edited or of an
    /// unknown signer): a live grade against the teacher's key, a submission against its signer's.
    /// - allowedSigners: the class's file, with the teacher's key enrolled.
    public func verifySignatures(allowedSigners: String) throws -> (checked: Int, mismatches: [Mismatch]) {
        let rows = try read { db in
            try Row.fetchAll(db, sql: """
                SELECT \(Self.attemptColumns), signer, document, signature FROM attempts
                WHERE signature IS NOT NULL AND status NOT IN ('edited', 'unknown-signer')
                """)
                .map { (attempt: Self.attempt($0), signer: $0["signer"] as String?, document: $0["document"] as Data?,
                        signature: $0["signature"] as String) }
        }
        var mismatches: [Mismatch] = []
        for row in rows {
            let attempt = row.attempt
            let live = attempt.kind == .live
            guard let document = row.document, let signer = row.signer,
                  SSHSignature.verify(document, signature: row.signature, principal: signer,
                                      namespace: live ? SSHSignature.gradeNamespace : SSHSignature.resultNamespace,
                                      allowedSigners: allowedSigners) else {
                mismatches.append(Mismatch(attempt: attempt, problem: "its signature does not match what is stored"))
                continue
            }
            let signed = Self.report(in: document, kind: attempt.kind)
            let counts = live || attempt.status == Verdict.Kind.verified.rawValue
            if let signed, counts && (attempt.earned != signed.earned || attempt.possible != signed.possible) {
                mismatches.append(Mismatch(attempt: attempt, problem: "its points (\(attempt.earned.map(String.init) ?? "-")/"
                    + "\(attempt.possible.map(String.init) ?? "-")) are not the signed report's (\(signed.earned)/\(signed.possible))"))
            }
        }
        return (rows.count, mismatches)
    }

    public func checks(attempt: Int64) throws -> [CheckResult] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM checks WHERE attempt = ? ORDER BY position", arguments: [attempt]).map { row in
                CheckResult(step: row["step"], check: row["check_id"], title: row["title"],
                            status: CheckResult.Status(rawValue: row["status"]) ?? .error, points: row["points"],
                            expected: row["expected"], got: row["got"], command: row["command"], output: row["output"],
                            message: row["message"], attempts: row["attempts"])
            }
        }
    }

    public func students() throws -> [Student] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT id, name, email FROM students ORDER BY id").map {
                Student(id: $0["id"], name: $0["name"], email: $0["email"], ssh: "")
            }
        }
    }

    // MARK: Schema

    /// Each migration is a version of the file; a file with one this virtlab lacks was written by a newer one.
    private static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "students") { table in
                table.primaryKey("id", .text)
                table.column("name", .text).notNull()
                table.column("email", .text).notNull()
            }
            try db.create(table: "releases") { table in
                table.primaryKey("nonce", .text)
                table.column("student", .text).notNull()
                table.column("lab", .text).notNull()
                table.column("issued_at", .datetime).notNull()
                table.column("delivered", .boolean).notNull()
                table.column("current", .boolean).notNull()
            }
            try db.create(table: "attempts") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("student", .text).notNull().indexed()
                table.column("lab", .text).notNull()
                table.column("kind", .text).notNull()
                table.column("status", .text).notNull()
                table.column("detail", .text).notNull()
                table.column("earned", .integer)
                table.column("possible", .integer)
                table.column("at", .datetime).notNull()
                table.column("digest", .text).notNull()
                table.column("signer", .text)
                table.column("machine_id", .text)
                table.column("host_name", .text)
                table.column("lab_digest", .text)
                table.column("source", .text).notNull()
                table.column("signature", .text)
                table.column("document", .blob)
                table.uniqueKey(["digest", "student"])
            }
            try db.create(table: "checks") { table in
                table.column("attempt", .integer).notNull().indexed().references("attempts", onDelete: .cascade)
                table.column("position", .integer).notNull()
                table.column("step", .text).notNull()
                table.column("check_id", .text).notNull()
                table.column("title", .text).notNull()
                table.column("status", .text).notNull()
                table.column("points", .integer).notNull()
                table.column("expected", .text)
                table.column("got", .text)
                table.column("command", .text)
                table.column("output", .text)
                table.column("message", .text)
                table.column("attempts", .integer).notNull()
            }
        }
        // The lab file's digest as released, which bundles are checked against (nil for releases before it).
        migrator.registerMigration("v2") { db in
            try db.alter(table: "releases") { table in table.add(column: "lab_digest", .text) }
        }
        return migrator
    }()

    private static func insertAttempt(_ db: Database, student: String, lab: String, kind: Kind, status: String,
                                      detail: String, earned: Int?, possible: Int?, at: Date, digest: String,
                                      signer: String?, machineID: String?, hostName: String?, labDigest: String?,
                                      source: String, signature: String?, document: Data?) throws -> Int64 {
        try db.execute(sql: """
            INSERT INTO attempts (student, lab, kind, status, detail, earned, possible, at, digest, signer, machine_id,
                                  host_name, lab_digest, source, signature, document)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [student, lab, kind.rawValue, status, detail, earned, possible, at, digest, signer, machineID,
                             hostName, labDigest, source, signature, document])
        return db.lastInsertedRowID
    }

    private static func insertChecks(_ db: Database, attempt: Int64, report: LabReport) throws {
        for (position, result) in report.steps.flatMap(\.results).enumerated() {
            try db.execute(sql: """
                INSERT INTO checks (attempt, position, step, check_id, title, status, points, expected, got, command,
                                    output, message, attempts)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [attempt, position, result.step, result.check, result.title, result.status.rawValue,
                                 result.points, result.expected, result.got, result.command, result.output,
                                 result.message, result.attempts])
        }
    }

    private func write<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try database.write(body) } catch { throw Self.explain(error, path: path) }
    }

    private func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try database.read(body) } catch { throw Self.explain(error, path: path) }
    }

    private static func explain(_ error: Error, path: String) -> Error {
        guard let error = error as? DatabaseError else { return error }
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return GradebookError(description: "\(path) is locked by another program (another virtlab?): try again when it is done")
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            return GradebookError(description: "\(path) is not a gradebook (not an SQLite database, or damaged): move it away")
        case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM:
            return GradebookError(description: "\(path) cannot be written: check its permissions and the directory's")
        default:
            return GradebookError(description: "\(path): \(error.message ?? "\(error.resultCode)")")
        }
    }
}
