import Classroom
import Foundation
import Gradebook
import Inventory
import LabFormat
import ProcessRunner
import Runtime
import SecureShell

/// The class port on a class directory: the board from its gradebook, live grading over ssh, reports.
/// SQLite reads and writes and the ssh runs each happen on a thread of their own, never on the pool.
struct GradebookClass: ClassPort {
    let directory: ClassDirectory

    func board() async throws -> ClassBoard {
        let directory = directory
        return try await OwnThread.run { Result { try Self.board(directory) } }.get()
    }

    func regrade(students ids: [String]?) async throws -> ClassBoard {
        let directory = directory
        let (config, roster) = try await OwnThread.run { Result { (try directory.config(), try directory.roster().students) } }.get()
        let students = ids.map { ids in roster.filter { ids.contains($0.id) } } ?? roster
        let grader = LiveGrader(hosts: ClassHosts(config: config, sshConfigFile: try directory.sshConfigFile()))
        let grades = await grader.grade(labs: config.labs, students: students)
        try await OwnThread.run {
            Result {
                let gradebook = try Gradebook(path: directory.gradebookFile)
                let key = try directory.teacherKey()
                try gradebook.record(roster: roster)
                for grade in grades { try ClassCommand.Grade.store(grade, in: gradebook, teacherKey: key) }
            }
        }.get()
        return try await board()
    }

    func report(student: String, lab: String) async throws -> String {
        let directory = directory
        return try await OwnThread.run {
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

    /// The libvirt connections of the class's hosts for the dashboard: qemu+ssh to each student's ssh target,
    /// to the session daemon when the roster's URI (the host's own, as `lab grade --uri` takes it) names one,
    /// else the system one. ssh runs in batch mode (a prompt would land on the dashboard's screen), through the
    /// class's ssh config when it has one.
    static func connections(_ directory: ClassDirectory) throws -> [String] {
        let roster = try directory.roster().students
        let wrapper = try sshWrapper(configFile: try directory.sshConfigFile())
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
