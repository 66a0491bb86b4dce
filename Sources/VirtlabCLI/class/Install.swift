import ArgumentParser
import Foundation
import Humanize
import Services
import Synchronization

extension ClassCommand {
    struct Install: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "install", abstract: "Put this virtlab on every student's host, from its Debian package or tarball.",
            discussion: """
                Over the class's ssh (as 'class grade': your ssh config and keys, or class.yaml's ssh_config; \
                BatchMode; 'parallelism' hosts at once): each host is asked who logs in, whether it has dpkg and \
                whether sudo asks for a password. Where the login is root or 'sudo -n' works, the .deb goes in \
                with apt-get, which checks its dependencies first; elsewhere the tarball goes into ~/.local of \
                the login (class commands look in ~/.local/bin too). Nothing is replaced until the package's \
                virtlab has run on the host, so a package built for a newer system is refused and the old \
                virtlab keeps working. Then 'virtlab --version' there must say \(virtlabVersion). Hosts that \
                already run it are left as they are.

                Without --package, \(ClassService.InstallPackages.debianName) and \
                \(ClassService.InstallPackages.tarballName) are looked for in the class directory, then in ./dist \
                ('make dist' writes them there). --config sends a config.yaml (checked here first) to \
                /etc/xdg/virtlab/config.yaml where the install had root rights, else to the login's \
                ~/.config/virtlab/config.yaml. Exits 1 when a host is not on this version.
                """)
        @OptionGroup var target: Directory
        @Option(name: .customLong("student"), help: "Only this student's host (repeatable).") var only: [String] = []
        @Option(name: .customLong("package"), help: "The .deb or tarball to install (repeatable: give both).")
        var packages: [String] = []
        @Option(help: "A config.yaml to put on each host.") var config: String?

        func run() async throws {
            let service = target.service
            let found = try ClassService.InstallPackages.find(given: packages, searched: [service.path, "dist"])
            let total = try service.students(only).chosen.count
            Output.note("installing virtlab \(virtlabVersion) from "
                        + [found.debian, found.tarball].compactMap { $0 }.joined(separator: " and "))
            let done = Mutex(0)
            let rows = try await service.install(found, config: config, students: only) { row in
                let count = done.withLock { $0 += 1; return $0 }
                ClassCommand.progressLine(count, of: total, "\(row.student.id): \(row.outcome)")
            }
            var table = TextTable(headers: ["STUDENT", "HOST", "BEFORE", "RESULT"])
            for row in rows { table.add([row.student.id, row.student.ssh, row.before ?? "-", row.outcome]) }
            print(table.render())
            if rows.contains(where: { !$0.ok }) { throw ExitCode(1) }
        }
    }
}
