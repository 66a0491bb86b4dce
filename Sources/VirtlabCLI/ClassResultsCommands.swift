import Services
import ArgumentParser
import Classroom
import Foundation
import Gradebook
import Humanize
import LabFormat
import LabGrader
import Synchronization

/// The class's results: releasing labs to hosts, enrolling keys, collecting signed bundles, the gradebook.
extension ClassCommand {
    /// The labs named, else the class's, each one the catalog knows.
    static func labs(_ named: [String], of directory: ClassDirectory, catalog: LabCatalog) throws -> [String] {
        let labs = named.isEmpty ? try directory.config().labs : named
        guard !labs.isEmpty else {
            throw UserFacingError("no labs: name them, or list them under 'labs:' in \(directory.path)/class.yaml")
        }
        _ = try known(labs, in: catalog)
        return labs
    }

    /// The labs with these ids, as the catalog loads them; refused in one line when one is not there.
    static func known(_ ids: [String], in catalog: LabCatalog) throws -> [Lab] {
        let loaded = catalog.load().labs
        return try ids.map { id in
            guard let lab = loaded.first(where: { $0.id == id }) else {
                throw UserFacingError("no lab '\(id)' (run 'virtlab lab list' to see the ids)")
            }
            return lab
        }
    }

    /// A student's values in a lab as the teacher works them out: the class's hash, nothing from this host's
    /// environment.
    static func values(of lab: Lab, for student: String, secret: ClassSecret) -> Parameters {
        Parameters(lab: lab, student: student, environment: [:], hash: secret.parameterHash(lab: lab.id, student: student))
    }

    /// The roster, and the students `--student` names from it (all of them when it names none).
    static func students(_ only: [String], of directory: ClassDirectory) throws -> (roster: [Student], chosen: [Student]) {
        let roster = try directory.roster().students
        if let unknown = only.first(where: { id in !roster.contains { $0.id == id } }) {
            throw UserFacingError("no student '\(unknown)' in the roster (see 'virtlab class roster \(directory.path)')")
        }
        let students = only.isEmpty ? roster : roster.filter { only.contains($0.id) }
        guard !students.isEmpty else { throw UserFacingError("the roster has no students yet") }
        return (roster, students)
    }

    static func progressLine(_ count: Int, of total: Int, _ text: String) {
        FileHandle.standardError.write(Data("[\(count)/\(total)] \(text)\n".utf8))
    }

    struct Release: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "release", abstract: "Send labs to the students' hosts: their parameters and a fresh nonce.",
            discussion: """
                For each student and lab, runs 'virtlab lab receive' on the student's host over ssh (as 'class \
                grade' does): the host then grades the lab with the student's own parameters (from the class \
                secret, which stays here), and a bundle the student submits carries the nonce. Releasing a lab \
                again issues a new nonce: bundles made before it are then reported as replayed.
                """)
        @OptionGroup var target: Directory
        @Argument(help: "Labs to release (default: the class's labs).") var labs: [String] = []
        @Option(name: .customLong("student"), help: "Only this student (repeatable).") var only: [String] = []
        @OptionGroup var locations: LabCommand.Locations

        func run() async throws {
            let directory = target.classDirectory
            let (config, secret) = (try directory.config(), try directory.secret())
            let labs = try ClassCommand.labs(self.labs, of: directory, catalog: locations.catalog)
            let (roster, students) = try ClassCommand.students(only, of: directory)
            let gradebook = try Gradebook(path: directory.gradebookFile)
            try gradebook.record(roster: roster)
            let hosts = ClassHosts(config: config, sshConfigFile: try directory.sshConfigFile())
            let work = students.flatMap { student in labs.map { lab in
                LabRelease(classID: secret.classID, className: config.name, lab: lab, student: student.id,
                           parameterHash: secret.parameterHash(lab: lab, student: student.id),
                           nonce: LabRelease.freshNonce(), releasedAt: Date())
            } }
            for release in work { try gradebook.record(release) }
            let done = Mutex(0)
            let results = await hosts.each(work, progress: { (release: LabRelease, failure: HostGrade.Outcome?) in
                let count = done.withLock { $0 += 1; return $0 }
                ClassCommand.progressLine(count, of: work.count, "\(release.student) \(release.lab): "
                                          + (failure?.summary ?? "released"))
            }) { release in
                let student = students.first { $0.id == release.student }!
                let run = await hosts.virtlab(["lab", "receive", release.lab, "--class", release.className,
                                               "--class-id", release.classID, "--student", release.student,
                                               "--hash", release.parameterHash, "--nonce", release.nonce], on: student)
                return (release, ClassHosts.failure(run, timeout: config.hostTimeoutSeconds))
            }

            var table = TextTable(headers: ["STUDENT", "HOST", "LAB", "RELEASE"])
            for (release, failure) in results {
                if failure == nil { try gradebook.markDelivered(release) }
                table.add([release.student, students.first { $0.id == release.student }?.ssh ?? "-", release.lab,
                           failure?.summary ?? "released"])
            }
            print(table.render())
            if results.contains(where: { $0.1 != nil }) { throw ExitCode(1) }
        }
    }

    struct Enrol: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "enrol", abstract: "Enrol a student's SSH public key: their submitted results are checked against it.",
            discussion: """
                Keys go into the class's allowed_signers file (ssh-keygen's format), one per student; enrolling a \
                student again replaces their key. Ask each student for the .pub of the key they sign with \
                (~/.ssh/id_ed25519.pub by default).
                """)
        @OptionGroup var target: Directory
        @Argument(help: "The student's id in the roster.") var student: String
        @Argument(help: "Their public key file (a .pub), or '-' to read it from standard input.") var keyFile: String

        func run() async throws {
            let directory = target.classDirectory
            _ = try ClassCommand.students([student], of: directory)
            let text: String? = keyFile == "-"
                ? String(data: FileHandle.standardInput.readDataToEndOfFile(), encoding: .utf8)
                : try? String(contentsOfFile: keyFile, encoding: .utf8)
            guard let line = text?.split(whereSeparator: \.isNewline).first.map(String.init) else {
                throw UserFacingError("cannot read \(keyFile): give the student's public key file (a .pub)")
            }
            try directory.enrol(student: student, publicKeyLine: line)
            print("enrolled \(student)'s key in \(directory.allowedSignersFile)")
        }
    }

    struct Collect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "collect", abstract: "Import submitted result bundles, checking who signed them and what they carry.",
            discussion: """
                Give bundle files or directories (searched for *\(ResultBundle.fileSuffix) files, however deep, \
                as an LMS bulk download unpacks them; a folder or file named after a student says who handed it \
                in). Each bundle is checked against the enrolled keys and the gradebook, and reported as \
                verified, edited (changed after signing), copied (signed by one student but carrying another's \
                results, parameters, release or host, or handed in by another), replayed (an earlier release's \
                nonce) or unknown-signer. All are kept as evidence; only verified ones earn points. Importing \
                the same bundle again changes nothing. Exits 1 when any bundle is flagged or refused.
                """)
        @OptionGroup var target: Directory
        @Argument(help: "Bundle files or directories of them.") var paths: [String]

        func run() async throws {
            let directory = target.classDirectory
            let inspector = try BundleInspector(directory: directory)
            let gradebook = try Gradebook(path: directory.gradebookFile)
            try gradebook.record(roster: inspector.students)
            let files = try paths.flatMap(Self.bundleFiles)
            guard !files.isEmpty else { throw UserFacingError("no bundles in \(paths.joined(separator: ", "))") }
            var table = TextTable(headers: ["FILE", "STUDENT", "LAB", "POINTS", "VERDICT", "DETAIL"])
            var (added, again, flagged, refused) = (0, 0, 0, 0)
            for file in files {
                let shown = (file as NSString).lastPathComponent
                do {
                    guard let data = FileManager.default.contents(atPath: file) else {
                        throw ResultBundle.Unreadable(description: "cannot be read")
                    }
                    let bundle = try ResultBundle(file: data)
                    let verdict = try inspector.inspect(bundle, submittedBy: inspector.submitter(of: file),
                                                        records: try gradebook.records())
                    let outcome = try gradebook.import(bundle, verdict: verdict, source: file)
                    if case .alreadyThere = outcome { again += 1 } else { added += 1 }
                    if verdict.kind != .verified { flagged += 1 }
                    let report = bundle.payload.report
                    table.add([shown, bundle.payload.student, bundle.payload.lab,
                               verdict.kind == .verified ? "\(report.earned)/\(report.possible)" : "0/\(report.possible)",
                               verdict.kind.rawValue, {
                                   if case .alreadyThere = outcome { return "already in the gradebook: unchanged" }
                                   return verdict.detail
                               }()])
                } catch let error as ResultBundle.Unreadable {
                    refused += 1
                    table.add([shown, "-", "-", "-", "refused", error.description])
                } catch let error as BundleInspector.Refusal {
                    refused += 1
                    table.add([shown, "-", "-", "-", "refused", error.description])
                }
            }
            print(table.render())
            print("\(added) imported, \(again) already there, \(flagged) flagged, \(refused) refused "
                  + "(see 'virtlab class report \(target.directory)')")
            if flagged + refused > 0 { throw ExitCode(1) }
        }

        /// A file as given; a directory's bundle-like files, depth first, in name order.
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
    }

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report", abstract: "The gradebook: students × labs, points, last attempt, flags.",
            discussion: """
                Points come from the latest live grade ('class grade'), else the latest verified submission \
                ('class collect'). Flagged submissions earn nothing and are listed. With one lab, each student's \
                row says where the points come from.
                """)
        @OptionGroup var target: Directory
        @Argument(help: "Labs (default: the class's labs).") var labs: [String] = []
        @Option(help: "text or json.") var format = "text"
        @Flag(help: ArgumentHelp("Check every stored signature (live grades: the teacher's key; submissions: the "
                                 + "student's) and that the points kept beside them are the signed ones; exits 1 on a mismatch."))
        var verify = false
        @OptionGroup var locations: LabCommand.Locations

        func validate() throws {
            guard ["text", "json"].contains(format) else { throw ValidationError("--format \(format): use text or json") }
        }

        func run() async throws {
            let directory = target.classDirectory
            if verify { return try verifySignatures(directory) }
            let table = try ClassTable(gradebook: try Gradebook(path: directory.gradebookFile),
                                       students: try directory.roster().students,
                                       labs: try ClassCommand.labs(labs, of: directory, catalog: locations.catalog))
            print(format == "json" ? try table.json() : table.text())
        }

        func verifySignatures(_ directory: ClassDirectory) throws {
            try directory.enrolTeacher()
            let (checked, mismatches) = try Gradebook(path: directory.gradebookFile)
                .verifySignatures(allowedSigners: directory.allowedSignersFile)
            for mismatch in mismatches {
                let attempt = mismatch.attempt
                print("attempt \(attempt.id) (\(attempt.student), \(attempt.lab), \(attempt.kind.rawValue) "
                      + "\(Units.timestamp(attempt.at))): \(mismatch.problem)")
            }
            print("\(checked) signed attempt\(checked == 1 ? "" : "s") checked: "
                  + (mismatches.isEmpty ? "every one matches its signature" : "\(mismatches.count) do not"))
            if !mismatches.isEmpty { throw ExitCode(1) }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export", abstract: "Write the grades for an LMS: csv, moodle or json.",
            discussion: """
                moodle writes Moodle's grade import CSV: 'Email address' identifies each student (the roster's \
                email column), then one column of points and one of feedback per lab; in Moodle, Grades > \
                Import > CSV file, map 'Email address' to the user's email and each lab to its grade item. csv \
                writes id, name, email, one column per lab and the flags. Written atomically.
                """)
        @OptionGroup var target: Directory
        @Argument(help: "Labs (default: the class's labs).") var labs: [String] = []
        @Option(help: "csv, moodle or json.") var format = "csv"
        @Option(name: .shortAndLong, help: "Write to this file instead of standard output.") var output: String?
        @OptionGroup var locations: LabCommand.Locations

        func validate() throws {
            guard ["csv", "moodle", "json"].contains(format) else {
                throw ValidationError("--format \(format): use csv, moodle or json")
            }
        }

        func run() async throws {
            let directory = target.classDirectory
            let students = try directory.roster().students
            if format == "moodle", let missing = students.first(where: { $0.email.isEmpty }) {
                throw UserFacingError("\(missing.id) has no email in the roster: Moodle's import identifies students by it")
            }
            let table = try ClassTable(gradebook: try Gradebook(path: directory.gradebookFile), students: students,
                                       labs: try ClassCommand.labs(labs, of: directory, catalog: locations.catalog))
            let text = switch format {
            case "moodle": table.moodle()
            case "json": try table.json() + "\n"
            default: table.csv()
            }
            guard let output else { return FileHandle.standardOutput.write(Data(text.utf8)) }
            do { try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic) } catch {
                throw UserFacingError("cannot write \(output): \((error as NSError).localizedDescription)")
            }
            print("wrote \(output): \(students.count) students, \(table.labs.count) lab\(table.labs.count == 1 ? "" : "s")")
        }
    }

    struct FeedbackCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "feedback", abstract: "Write each student's feedback on a lab and send it to their host.",
            discussion: """
                From the gradebook: the points that count and where they come from, any flags, the report with \
                every check's evidence, and the lab's hints for the steps not passed, with the student's own \
                values. Each is kept in the class directory (feedback/LAB/STUDENT.md) and sent over ssh to the \
                student's host, where 'virtlab lab feedback LAB' shows it; with --exchange it goes into \
                EXCHANGE/STUDENT/LAB-feedback.md instead (a shared directory, as nbgrader's exchange).
                """)
        @OptionGroup var target: Directory
        @Argument(help: "The lab's id.") var lab: String
        @Option(name: .customLong("student"), help: "Only this student (repeatable).") var only: [String] = []
        @Option(help: "A shared directory to put the feedback in instead of sending it over ssh.") var exchange: String?
        @OptionGroup var locations: LabCommand.Locations

        func run() async throws {
            let directory = target.classDirectory
            let (config, secret) = (try directory.config(), try directory.secret())
            let lab = try ClassCommand.known([self.lab], in: locations.catalog)[0]
            let students = try ClassCommand.students(only, of: directory).chosen
            let gradebook = try Gradebook(path: directory.gradebookFile)
            let table = try ClassTable(gradebook: gradebook, students: students, labs: [lab.id])
            var written: [(Student, String)] = []
            for student in students {
                let cell = table.cell(student.id, lab.id)
                let text = Feedback.markdown(
                    lab: lab, student: student, className: config.name, cell: cell,
                    report: try (cell.counted ?? cell.last).flatMap { try gradebook.report(of: $0) },
                    parameters: ClassCommand.values(of: lab, for: student.id, secret: secret))
                let file = "\(directory.path)/feedback/\(lab.id)/\(student.id).md"
                try Self.write(text, to: file)
                if let exchange { try Self.write(text, to: "\(exchange)/\(student.id)/\(lab.id)-feedback.md") }
                written.append((student, file))
            }
            guard exchange == nil else {
                return print("wrote feedback for \(written.count) students in \(directory.path)/feedback/\(lab.id) and \(exchange!)")
            }
            let hosts = ClassHosts(config: config, sshConfigFile: try directory.sshConfigFile())
            let done = Mutex(0)
            let work = written
            let sent = await hosts.each(work, progress: { (student: Student, failure: HostGrade.Outcome?) in
                let count = done.withLock { $0 += 1; return $0 }
                ClassCommand.progressLine(count, of: work.count, "\(student.id): " + (failure?.summary ?? "sent"))
            }) { student, file in
                let run = await hosts.virtlab(["lab", "feedback", lab.id, "--receive"], on: student, inputFile: file)
                return (student, ClassHosts.failure(run, timeout: config.hostTimeoutSeconds))
            }

            var rows = TextTable(headers: ["STUDENT", "HOST", "FEEDBACK"])
            for (student, failure) in sent { rows.add([student.id, student.ssh, failure?.summary ?? "sent"]) }
            print(rows.render())
            if sent.contains(where: { $0.1 != nil }) { throw ExitCode(1) }
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
}
