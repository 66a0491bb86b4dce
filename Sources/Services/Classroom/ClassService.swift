import BlockingWork
import Classroom
import Foundation
import Gradebook
import Inventory
import LabFormat
import ProcessRunner
import SecureShell

/// A class directory's use cases that the command line (`class grade`) and the teacher's dashboard (the Class
/// pane) share: live grading stored in the gradebook, the board, a student's report, the hosts' connections.
/// SQLite and file work runs on the blocking pool, so any caller may await these from the pool.
public struct ClassService: Sendable {
    public let directory: ClassDirectory

    public init(directory: ClassDirectory) { self.directory = directory }

    /// Grades the students with these ids (every roster student when nil) in `labs` (the class's when nil) on
    /// their hosts, and stores every row, the host's report signed with the class's teacher key. `progress`
    /// hears each row as its host finishes; the rows return in roster order.
    public func gradeLive(labs: [String]? = nil, students ids: [String]? = nil,
                          progress: @escaping @Sendable (HostGrade) -> Void = { _ in }) async throws -> [HostGrade] {
        let directory = directory
        let (config, roster, sshConfig) = try await BlockingPool.run {
            Result { (try directory.config(), try directory.roster().students, try directory.sshConfigFile()) }
        }.get()
        let grader = LiveGrader(hosts: ClassHosts(config: config, sshConfigFile: sshConfig))
        let students = ids.map { ids in roster.filter { ids.contains($0.id) } } ?? roster
        let grades = await grader.grade(labs: labs ?? config.labs, students: students, progress: progress)
        try await BlockingPool.run {
            Result {
                let gradebook = try Gradebook(path: directory.gradebookFile)
                let key = try directory.teacherKey()
                try gradebook.record(roster: roster)
                for grade in grades { try Self.store(grade, in: gradebook, teacherKey: key) }
            }
        }.get()
        return grades
    }

    /// A live grade into the gradebook, the host's report signed by the teacher's class key (so a row edited
    /// in the database later no longer verifies).
    static func store(_ grade: HostGrade, in gradebook: Gradebook, teacherKey: String) throws {
        let bytes = grade.report.map { Data($0.utf8) }
        let signature = try bytes.map { try SSHSignature.sign($0, key: teacherKey, namespace: SSHSignature.gradeNamespace) }
        try gradebook.recordLive(student: grade.student.id, lab: grade.lab, status: grade.outcome.status,
                                 detail: grade.summary, report: bytes.flatMap(ReportFormat.parseJSON),
                                 reportBytes: bytes, host: grade.student.ssh, signature: signature, at: Date())
    }

    /// Every student's standing in every lab, as the gradebook has it.
    public func board() async throws -> ClassBoard {
        let directory = directory
        return try await BlockingPool.run { Result { try Self.board(directory) } }.get()
    }

    static func board(_ directory: ClassDirectory) throws -> ClassBoard {
        let config = try directory.config()
        let roster = try directory.roster().students
        let gradebook = try Gradebook(path: directory.gradebookFile)
        let table = try ClassTable(gradebook: gradebook, students: roster, labs: config.labs)
        var cells: [String: [String: ClassBoard.Cell]] = [:]
        for student in roster {
            for lab in config.labs {
                let cell = table.cell(student.id, lab)
                cells[student.id, default: [:]][lab] = ClassBoard.Cell(
                    earned: cell.earned, possible: cell.possible, from: cell.from?.rawValue, lastStatus: cell.last?.status,
                    lastDetail: cell.last?.detail, lastAt: cell.last?.at, flags: cell.flags, stuck: cell.stuck)
            }
        }
        return ClassBoard(name: config.name, students: roster.map { .init(id: $0.id, name: $0.name, host: $0.ssh) },
                          labs: config.labs, cells: cells, readAt: Date())
    }

    /// The report that counts for a student in a lab (or the last one), with where it came from and its flags.
    public func report(student: String, lab: String) async throws -> String {
        let directory = directory
        return try await BlockingPool.run {
            Result {
                let gradebook = try Gradebook(path: directory.gradebookFile)
                let roster = try directory.roster().students
                let cell = try ClassTable(gradebook: gradebook, students: roster, labs: [lab]).cell(student, lab)
                let flags = cell.flags.map { "FLAGGED: \($0)" }
                guard let attempt = cell.counted ?? cell.last, let report = try gradebook.report(of: attempt) else {
                    return (flags + ["No report yet for \(student) in \(lab)"
                                     + (cell.last.map { ": last attempt \($0.detail)" } ?? ": never graded")])
                        .joined(separator: "\n")
                }
                let source = "\(attempt.kind == .live ? "Live grade" : "Submitted result") of \(attempt.at.formatted(.iso8601))"
                return ([source] + flags + ["", ReportFormat.text.render(report)]).joined(separator: "\n")
            }
        }.get()
    }

    /// The libvirt connections of the class's hosts: qemu+ssh to each student's ssh target, to the session
    /// daemon when the roster's URI (the host's own, as `lab grade --uri` takes it) names one, else the system
    /// one. ssh runs in batch mode (a prompt would land on the dashboard's screen), through the class's ssh
    /// config when it has one.
    public func hostConnections() throws -> [String] {
        let roster = try directory.roster().students
        let wrapper = try Self.sshWrapper(configFile: try directory.sshConfigFile())
        return roster.map { student in
            let daemon = student.uri?.hasSuffix("/session") == true ? "session" : "system"
            return "qemu+ssh://\(student.ssh)/\(daemon)?command=\(wrapper)"
        }
    }

    /// libvirt's ssh transport runs `ssh` with its own arguments; this small script adds virtlab's (batch mode, the
    /// class's config). Kept in a directory of the user's own, mode 0700.
    static func sshWrapper(configFile: String?) throws -> String {
        let directory = NSTemporaryDirectory() + "virtlab-\(getuid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let config = configFile.map { " -F " + SecureShell.quoted($0) } ?? ""
        let script = "#!/bin/sh\nexec ssh\(config) -o BatchMode=yes \"$@\"\n"
        let path = directory + "/ssh-" + Data(script.utf8).sha256Hex.prefix(12)
        if (try? String(contentsOfFile: path, encoding: .utf8)) != script {
            guard FileManager.default.createFile(atPath: path + ".tmp", contents: Data(script.utf8),
                                                 attributes: [.posixPermissions: 0o700]),
                  rename(path + ".tmp", path) == 0 else {
                throw UserFacingError("cannot write \(path): the class's hosts cannot be reached through libvirt")
            }
        }
        return path
    }
}
