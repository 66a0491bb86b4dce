import BlockingWork
import Classroom
import Foundation
import Gradebook
import Humanize
import LabFormat
import LabGrader
import Synchronization

public typealias Student = Classroom.Student
public typealias HostGrade = Classroom.HostGrade

/// The gradebook as students × labs: the points that count, where they come from, the flags; as text for the
/// terminal, JSON, CSV, or Moodle's grade import.
public struct GradeTable: Sendable {
    let table: ClassTable
    public var labs: [String] { table.labs }
    public func text() -> String { table.text() }
    public func json() throws -> String { try table.json() }
    public func csv() -> String { table.csv() }
    public func moodle() -> String { table.moodle() }
}

/// The teacher's use cases of a class directory besides live grading: making the class, its roster and keys,
/// releasing labs to the hosts, collecting signed results, the gradebook's tables and exports, and feedback.
extension ClassService {
    /// The class at `path`, with the teacher's class defaults (their config file's) where class.yaml says nothing.
    public init(path: String) { self.init(directory: ClassDirectory(path: path, defaults: Settings.current.classDefaults)) }

    public var path: String { directory.path }

    /// The roster's CSV columns, for help and messages.
    public static var rosterColumns: String { Roster.csvHeader }

    /// Makes the directory: class.yaml, an empty roster.csv and a fresh secret. The labs must be known here.
    public static func create(at path: String, name: String?, labs: [String], catalog: LabCatalog) throws -> ClassService {
        _ = try known(labs, in: catalog)
        let made = try ClassDirectory.create(at: path, name: name ?? (path as NSString).lastPathComponent, labs: labs)
        return ClassService(directory: made)
    }

    public func roster() throws -> [Student] { try directory.roster().students }

    /// The labs named, else the class's; each must be known here: in the class directory's `labs/` (the
    /// teacher's own, which must all load: a release is refused at a problem's file:line:column), else `catalog`.
    public func labs(_ named: [String], catalog: LabCatalog) throws -> [Lab] {
        let ids = named.isEmpty ? try directory.config().labs : named
        guard !ids.isEmpty else {
            throw UserFacingError("no labs: name them, or list them under 'labs:' in \(directory.path)/class.yaml")
        }
        let own = directory.path + "/labs"
        let (loaded, problems) = catalog.adding(trusted: [own]).load()
        if let problem = problems.first(where: { $0.file.hasPrefix(own + "/") }) {
            throw UserFacingError("\(problem) (the class's own labs must load: run 'virtlab lab validate \(problem.file)')")
        }
        return try Self.pick(ids, from: loaded)
    }

    public static func known(_ ids: [String], in catalog: LabCatalog) throws -> [Lab] { try pick(ids, from: catalog.load().labs) }

    private static func pick(_ ids: [String], from loaded: [Lab]) throws -> [Lab] {
        try ids.map { id in
            guard let lab = loaded.first(where: { $0.id == id }) else {
                throw UserFacingError("no lab '\(id)' (run 'virtlab lab list' to see the ids)")
            }
            return lab
        }
    }

    /// The roster, and the students named in it (all when none is named); a name not in it is refused.
    public func students(_ only: [String]) throws -> (roster: [Student], chosen: [Student]) {
        let roster = try directory.roster().students
        if let unknown = only.first(where: { id in !roster.contains { $0.id == id } }) {
            throw UserFacingError("no student '\(unknown)' in the roster (see 'virtlab class roster \(directory.path)')")
        }
        let students = only.isEmpty ? roster : roster.filter { only.contains($0.id) }
        guard !students.isEmpty else { throw UserFacingError("the roster has no students yet") }
        return (roster, students)
    }

    /// Each student's values of the lab's parameters (from the class secret), by parameter name.
    public func parameterValues(of lab: Lab) throws -> [(student: String, values: [String: String])] {
        let secret = try directory.secret()
        return try roster().map { student in
            let values = Self.values(of: lab, for: student.id, secret: secret)
            return (student.id, Dictionary(uniqueKeysWithValues: lab.parameters.keys.map { ($0, values.expand("{{\($0)}}")) }))
        }
    }

    static func values(of lab: Lab, for student: String, secret: ClassSecret) -> Parameters {
        Parameters(lab: lab, student: student, environment: [:], hash: secret.parameterHash(lab: lab.id, student: student))
    }

    /// Keeps the student's public key (the first line given) in allowed_signers; returns that file.
    public func enrol(student: String, publicKey text: String?, from source: String) throws -> String {
        _ = try students([student])
        guard let line = text?.split(whereSeparator: \.isNewline).first.map(String.init) else {
            throw UserFacingError("cannot read \(source): give the student's public key file (a .pub)")
        }
        try directory.enrol(student: student, publicKeyLine: line)
        return directory.allowedSignersFile
    }

    /// One lab released to one student's host, or why not.
    public struct Released: Sendable {
        public let student: Student
        public let lab: String
        /// nil: the host took it.
        public let failure: String?
        /// Set when the host that took it runs another virtlab than the teacher's.
        public let versionMismatch: String?
    }

    /// Releases each lab to each student's host (`virtlab lab receive` over ssh, the lab file on its standard
    /// input) with a fresh nonce and the file's digest, kept in the gradebook; `progress` hears each as its host
    /// answers. In roster order.
    public func release(labs: [Lab], students only: [String], progress: @escaping @Sendable (Released) -> Void)
        async throws -> [Released]
    {
        let (config, secret) = (try directory.config(), try directory.secret())
        let (roster, students) = try students(only)
        let gradebook = try Gradebook(path: directory.gradebookFile)
        try gradebook.record(roster: roster)
        let hosts = ClassHosts(config: config, sshConfigFile: try directory.sshConfigFile())
        // The files as sent: what each host keeps and grades, and what its bundles' digests must match.
        let sent = NSTemporaryDirectory() + "virtlab-release-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: sent, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: sent) }
        for lab in labs { try Data(lab.source.utf8).write(to: URL(fileURLWithPath: "\(sent)/\(lab.id).yaml")) }
        let work = students.flatMap { student in labs.map { lab in
            (student, LabRelease(classID: secret.classID, className: config.name, lab: lab.id, student: student.id,
                                 parameterHash: secret.parameterHash(lab: lab.id, student: student.id),
                                 nonce: LabRelease.freshNonce(), releasedAt: Date(), labDigest: Data(lab.source.utf8).sha256Hex))
        } }
        for (_, release) in work { try gradebook.record(release) }
        let results = await hosts.each(work, progress: { (done: (Released, LabRelease)) in progress(done.0) }) { student, release in
            let run = await hosts.virtlab(["lab", "receive", release.lab, "--class", release.className,
                                           "--class-id", release.classID, "--student", release.student,
                                           "--hash", release.parameterHash, "--nonce", release.nonce, "--lab-file", "-"],
                                          on: student, inputFile: "\(sent)/\(release.lab).yaml")
            let failure = ClassHosts.failure(run, timeout: config.hostTimeoutSeconds)
            return (Released(student: student, lab: release.lab, failure: failure?.summary,
                             versionMismatch: failure == nil ? VersionCheck.mismatch(StudentSide.receivedVersion(run.stdout)) : nil),
                    release)
        }
        for (released, release) in results where released.failure == nil { try gradebook.markDelivered(release) }
        return results.map(\.0)
    }

    /// One host's answer to `class up` or `class reset`: its last line (what the host's virtlab said at the end), or
    /// why not.
    public struct EnvironmentDone: Sendable {
        public let student: Student
        public let said: String
        public let failure: String?
    }

    /// Runs `virtlab lab VERB LAB` (up or reset) for each student on their host, in parallel within the class's
    /// bound; `progress` hears each host as it finishes. The lab must have been released there (or be built in).
    public func environment(_ verb: String, lab: Lab, students only: [String],
                            progress: @escaping @Sendable (EnvironmentDone) -> Void) async throws -> [EnvironmentDone] {
        guard lab.environment != nil else {
            throw UserFacingError("lab '\(lab.id)' declares no environment: nothing to \(verb) on the hosts")
        }
        let config = try directory.config()
        let hosts = ClassHosts(config: config, sshConfigFile: try directory.sshConfigFile())
        return await hosts.each(try students(only).chosen, progress: progress) { student in
            let run = await hosts.virtlab(["lab", verb, lab.id, "--student", student.id] + (student.uri.map { ["--uri", $0] } ?? []),
                                          on: student)
            let said = run.stdout.split(whereSeparator: \.isNewline).last.map { String($0).withoutControlCharacters } ?? ""
            return EnvironmentDone(student: student, said: said,
                                   failure: ClassHosts.failure(run, timeout: config.hostTimeoutSeconds)?.summary)
        }
    }

    /// One bundle as collected: who, which lab, the points it earns, the verdict and why.
    public struct Collected: Sendable {
        public let file: String
        public let student: String?
        public let lab: String?
        public let points: String?
        /// verified, edited, copied, replayed, unknown-signer, or refused (unreadable or not this class's).
        public let verdict: String
        public let detail: String
        public let alreadyThere: Bool
        /// Set when the bundle was graded by another virtlab than the teacher's.
        public var versionMismatch: String? = nil
        public var flagged: Bool { verdict != "verified" && verdict != "refused" }
        public var refused: Bool { verdict == "refused" }
    }

    /// Imports the bundles found in `paths` (files, or directories searched however deep), each checked against
    /// the enrolled keys and the gradebook. All are kept as evidence; only verified ones earn points.
    public func collect(_ paths: [String]) throws -> [Collected] {
        let inspector = try BundleInspector(directory: directory)
        let gradebook = try Gradebook(path: directory.gradebookFile)
        try gradebook.record(roster: inspector.students)
        let files = try paths.flatMap(Self.bundleFiles)
        guard !files.isEmpty else { throw UserFacingError("no bundles in \(paths.joined(separator: ", "))") }
        return try files.map { file in
            let shown = (file as NSString).lastPathComponent
            do {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw ResultBundle.Unreadable(description: "cannot be read")
                }
                let bundle = try ResultBundle(file: data)
                let verdict = try inspector.inspect(bundle, submittedBy: inspector.submitter(of: file), records: try gradebook.records())
                let outcome = try gradebook.import(bundle, verdict: verdict, source: file)
                let report = bundle.payload.report
                let again = if case .alreadyThere = outcome { true } else { false }
                return Collected(file: shown, student: bundle.payload.student, lab: bundle.payload.lab,
                                 points: verdict.kind == .verified ? "\(report.earned)/\(report.possible)" : "0/\(report.possible)",
                                 verdict: verdict.kind.rawValue,
                                 detail: again ? "already in the gradebook: unchanged" : verdict.detail, alreadyThere: again,
                                 versionMismatch: VersionCheck.mismatch(report.virtlabVersion))
            } catch let error as ResultBundle.Unreadable {
                return Collected(file: shown, student: nil, lab: nil, points: nil, verdict: "refused", detail: error.description,
                                 alreadyThere: false)
            } catch let error as BundleInspector.Refusal {
                return Collected(file: shown, student: nil, lab: nil, points: nil, verdict: "refused", detail: error.description,
                                 alreadyThere: false)
            }
        }
    }

    static func bundleFiles(_ path: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw UserFacingError("\(path): no such file or directory")
        }
        guard isDirectory.boolValue else { return [path] }
        let found = (FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? [])
            .filter { $0.hasSuffix(ResultBundle.fileSuffix) }
        return found.sorted().map { path + "/" + $0 }
    }

    /// The gradebook as students × labs (the points that count, where they come from, the flags), for the roster
    /// or the students given.
    public func table(labs: [String], students: [Student]? = nil) throws -> GradeTable {
        GradeTable(table: try ClassTable(gradebook: try Gradebook(path: directory.gradebookFile),
                                         students: try students ?? roster(), labs: labs))
    }

    /// Checks every stored signature (live grades: the teacher's key; submissions: the student's) and that the
    /// points beside them are the signed ones; returns how many were checked and a line per mismatch.
    public func verifySignatures() throws -> (checked: Int, mismatches: [String]) {
        try directory.enrolTeacher()
        let (checked, mismatches) = try Gradebook(path: directory.gradebookFile)
            .verifySignatures(allowedSigners: directory.allowedSignersFile)
        return (checked, mismatches.map { mismatch in
            let attempt = mismatch.attempt
            return "attempt \(attempt.id) (\(attempt.student), \(attempt.lab), \(attempt.kind.rawValue) "
                + "\(Units.timestamp(attempt.at))): \(mismatch.problem)"
        })
    }

    /// Writes each student's feedback on the lab (feedback/LAB/STUDENT.md, and EXCHANGE/STUDENT/LAB-feedback.md
    /// with an exchange directory); returns each student with the file written.
    public func writeFeedback(lab id: String, students only: [String], exchange: String?, catalog: LabCatalog) throws
        -> [(student: Student, file: String)]
    {
        let (config, secret) = (try directory.config(), try directory.secret())
        let lab = try Self.known([id], in: catalog)[0]
        let students = try students(only).chosen
        let gradebook = try Gradebook(path: directory.gradebookFile)
        let table = try ClassTable(gradebook: gradebook, students: students, labs: [lab.id])
        return try students.map { student in
            let cell = table.cell(student.id, lab.id)
            let text = Feedback.markdown(lab: lab, student: student, className: config.name, cell: cell,
                                         report: try (cell.counted ?? cell.last).flatMap { try gradebook.report(of: $0) },
                                         parameters: Self.values(of: lab, for: student.id, secret: secret))
            let file = "\(directory.path)/feedback/\(lab.id)/\(student.id).md"
            try Self.write(text, to: file)
            if let exchange { try Self.write(text, to: "\(exchange)/\(student.id)/\(lab.id)-feedback.md") }
            return (student, file)
        }
    }

    /// Sends written feedback to each student's host (`virtlab lab feedback LAB --receive` over ssh); `progress`
    /// hears each as its host answers. Returns each student with why it failed (nil: sent).
    public func sendFeedback(lab: String, _ written: [(student: Student, file: String)],
                             progress: @escaping @Sendable (Student, String?) -> Void) async throws -> [(Student, String?)] {
        let config = try directory.config()
        let hosts = ClassHosts(config: config, sshConfigFile: try directory.sshConfigFile())
        let work = written.map { ($0.student, $0.file) }
        return await hosts.each(work, progress: { (sent: (Student, String?)) in progress(sent.0, sent.1) }) { student, file in
            let run = await hosts.virtlab(["lab", "feedback", lab, "--receive"], on: student, inputFile: file)
            return (student, ClassHosts.failure(run, timeout: config.hostTimeoutSeconds)?.summary)
        }
    }

    static func write(_ text: String, to file: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: file), options: .atomic)
        } catch {
            throw UserFacingError("cannot write \(file): \((error as NSError).localizedDescription)")
        }
    }
}
