import Classroom
import LabFormat
import Foundation

/// `class install`: this virtlab's package onto every student's host, over the class's ssh.
extension ClassService {
    /// The package files for this virtlab's version: the .deb, and the tarball for hosts it cannot go on.
    public struct InstallPackages: Sendable, Equatable {
        public let debian: String?
        public let tarball: String?

        public static var debianName: String { "virtlab_\(virtlabVersion)_amd64.deb" }
        public static var tarballName: String { "virtlab-\(virtlabVersion)-linux-x86_64.tar.gz" }

        /// The files given (a .deb, a tarball, or both; the other is looked for beside the one given), else the
        /// two as `make dist` names them in `searched` directories. A file of another version is refused: hosts
        /// are checked against this virtlab's version.
        public static func find(given: [String], searched: [String]) throws -> InstallPackages {
            var debian: String?, tarball: String?
            for file in given {
                guard FileManager.default.fileExists(atPath: file) else { throw UserFacingError("\(file): no such file") }
                let name = (file as NSString).lastPathComponent
                let version: String?
                if name.hasSuffix(".deb") {
                    version = Self.between(name, "virtlab_", "_amd64.deb")
                    debian = file
                } else if name.hasSuffix(".tar.gz") {
                    version = Self.between(name, "virtlab-", "-linux-x86_64.tar.gz")
                    tarball = file
                } else {
                    throw UserFacingError("\(file): not a package; give \(debianName) or \(tarballName) as 'make dist' writes them")
                }
                guard let version else {
                    throw UserFacingError("\(file): cannot tell its version; its name should be \(debianName) or \(tarballName)")
                }
                guard version == virtlabVersion else {
                    throw UserFacingError("\(file) is virtlab \(version), and this is \(virtlabVersion): hosts are checked "
                                          + "against the version you run, so install that one's package")
                }
            }
            let beside = given.map { ($0 as NSString).deletingLastPathComponent }.map { $0.isEmpty ? "." : $0 }
            let look = given.isEmpty ? searched : beside
            debian = debian ?? (given.isEmpty ? look.map { "\($0)/\(debianName)" }.first(where: FileManager.default.fileExists) : nil)
            tarball = tarball ?? look.map { "\($0)/\(tarballName)" }.first(where: FileManager.default.fileExists)
            guard debian != nil || tarball != nil else {
                throw UserFacingError("no package of virtlab \(virtlabVersion) in \(searched.joined(separator: " or ")): "
                                      + "give --package FILE ('make dist' writes dist/\(debianName) and the tarball)")
            }
            return InstallPackages(debian: debian, tarball: tarball)
        }

        private static func between(_ name: String, _ prefix: String, _ suffix: String) -> String? {
            guard name.hasPrefix(prefix), name.hasSuffix(suffix), name.count > prefix.count + suffix.count else { return nil }
            return String(name.dropFirst(prefix.count).dropLast(suffix.count))
        }
    }

    /// One host's row.
    public struct Installed: Sendable {
        public let student: Student
        /// The virtlab that class commands found there before (nil: none).
        public let before: String?
        /// What the row says.
        public let outcome: String
        public let ok: Bool
    }

    /// Installs the package on each student's host (all when `only` is empty), at most `parallelism` at once,
    /// then checks that `virtlab --version` there is this one's. A host that already runs it is left as it is.
    /// `config`, checked here first, goes to the system's config file where the install had root rights, else to
    /// the login's own. `progress` hears each host as it finishes; rows come back in roster order.
    public func install(_ packages: InstallPackages, config: String?, students only: [String],
                        progress: @escaping @Sendable (Installed) -> Void) async throws -> [Installed] {
        if let config { try Settings.check(file: config) }
        let hosts = ClassHosts(config: try directory.config(), sshConfigFile: try directory.sshConfigFile())
        let students = try students(only).chosen
        return await hosts.each(students, progress: progress) { student in
            await Self.install(packages, config: config, on: student, hosts: hosts)
        }
    }

    static func install(_ packages: InstallPackages, config: String?, on student: Student, hosts: ClassHosts) async -> Installed {
        let timeout = hosts.config.hostTimeoutSeconds
        func row(_ before: String?, _ outcome: String, ok: Bool) -> Installed {
            Installed(student: student, before: before, outcome: outcome, ok: ok)
        }
        let probed = await hosts.shell(HostInstall.probeScript, ["virtlab-probe"], on: student)
        if let failure = ClassHosts.failure(probed, timeout: timeout) { return row(nil, failure.summary, ok: false) }
        let probe = HostInstall.Probe(parsing: probed.stdout)
        var way: HostInstall.Way?
        if probe.installed != virtlabVersion {
            let chosen: HostInstall.Way
            switch HostInstall.way(for: probe, hasDebian: packages.debian != nil, hasTarball: packages.tarball != nil) {
            case .failure(let refusal): return row(probe.installed, refusal.description, ok: false)
            case .success(let found): chosen = found
            }
            way = chosen
            // `way(for:)` chose only a way whose file is there.
            let (mode, file) = switch chosen {
            case .debian(let sudo): (sudo ? "debian-sudo" : "debian", packages.debian ?? "")
            case .home: ("home", packages.tarball ?? "")
            }
            // apt-get may fetch the dependencies first: an install is not cut off at the usual host timeout, since
            // stopping dpkg halfway would leave the package half-configured.
            let installTimeout = max(timeout, HostInstall.installTimeoutSeconds)
            let installed = await hosts.shell(HostInstall.installScript, ["virtlab-install", mode], on: student, inputFile: file,
                                              timeoutSeconds: installTimeout)
            if let failure = ClassHosts.failure(installed, timeout: installTimeout) {
                return row(probe.installed, failure.summary + Self.keeps(probe.installed), ok: false)
            }
        }
        var configNote = ""
        if let config {
            let system = probe.canBeRoot && way.map { if case .home = $0 { false } else { true } } ?? true
            let sent = await hosts.shell(HostInstall.configScript,
                                         ["virtlab-config", system ? "system" : "user", system && !probe.isRoot ? "sudo" : ""],
                                         on: student, inputFile: config)
            if let failure = ClassHosts.failure(sent, timeout: timeout) {
                return row(probe.installed, "\(way == nil ? "already \(virtlabVersion)" : "installed"), but the config was not placed: "
                           + failure.summary, ok: false)
            }
            configNote = "; config in \(sent.stdout.trimmingCharacters(in: .whitespacesAndNewlines).withoutControlCharacters)"
        }
        // What class commands will meet there: an older virtlab earlier on the PATH than ~/.local/bin shows here.
        let check = await hosts.virtlab(["--version"], on: student)
        let now = check.status == 0 ? check.stdout.trimmingCharacters(in: .whitespacesAndNewlines).withoutControlCharacters : nil
        guard now == virtlabVersion else {
            return row(probe.installed, "installed, but ssh sessions there run "
                       + (now.map { "virtlab \($0)" } ?? "no virtlab") + " (is another one earlier on the PATH?)", ok: false)
        }
        guard let way else { return row(probe.installed, "already \(virtlabVersion)" + configNote, ok: true) }
        let done = probe.installed.map { "upgraded \($0) → \(virtlabVersion)" } ?? "installed \(virtlabVersion)"
        return row(probe.installed, "\(done): \(way.summary)\(configNote)", ok: true)
    }

    private static func keeps(_ before: String?) -> String {
        before.map { " (virtlab \($0) there is unchanged)" } ?? ""
    }
}
