import Foundation
import ProcessRunner
import SecureShell
import Synchronization

/// Student hosts for the classroom tests. Each is a network namespace of its own with a veth to the test's
/// (10.231.N.x/30), its own `sshd` (own host key, own PATH: with or without virtlab), its own identity (a
/// mount namespace puts its own /etc/machine-id in place, a UTS namespace its own host name) and its own
/// data: virtlab on it keeps releases and progress in the host's own directories, and signs with the
/// student's own key. These hosts log in the same Unix account (making accounts on the test machine is avoided).
/// A host with a system of its own (`OwnSystem`) is a copy of the package tests' clean Debian root instead, its
/// sshd chrooted there: it has its own dpkg, users and sudo, and what is installed on it stays in the copy.
/// The teacher reaches them through an ssh config of the test's own (the teacher's key, a known_hosts holding
/// each host's key). Only the namespaces' own addresses are contacted: it runs inside the test namespace only.
public final class TestClassroom {
    public struct Host {
        public let alias: String
        public var hasVirtlab = true
        /// The teacher's known_hosts holds another key for it: an impostor, or a reinstalled host.
        public var keyMismatch = false
        /// Nothing listens on it.
        public var down = false
        /// A shell script that answers as `virtlab` on this host: a tampered host says what it likes.
        public var impostorVirtlab: String?
        /// A Debian system of its own, with no virtlab unless one is preinstalled.
        public var system: OwnSystem?
        public let machineID = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()

        public init(_ alias: String, hasVirtlab: Bool = true, keyMismatch: Bool = false, down: Bool = false,
                    impostorVirtlab: String? = nil, system: OwnSystem? = nil) {
            self.alias = alias
            (self.hasVirtlab, self.keyMismatch, self.down, self.impostorVirtlab) = (hasVirtlab, keyMismatch, down, impostorVirtlab)
            self.system = system
        }
    }

    public struct OwnSystem {
        /// Who the teacher logs in as: root, or a user of that system's own with no sudo rights.
        public var login: String
        /// Debian packages installed there first (an older virtlab).
        public var preinstalled: [String]

        public init(login: String = "root", preinstalled: [String] = []) { (self.login, self.preinstalled) = (login, preinstalled) }

        /// The clean root `.ci/build-package-root` made.
        public static let rootTarball = ProcessInfo.processInfo.environment["VIRTLAB_PACKAGE_ROOT"]
            ?? "/var/cache/virtlab/package-root.tar"
    }

    public let directory = NSTemporaryDirectory() + "virtlab-classroom-\(UUID().uuidString.prefix(8))"
    public var sshConfig: String { directory + "/ssh_config" }
    public let hosts: [Host]
    private let token = String(UUID().uuidString.prefix(4)).lowercased()
    private var daemons: [pid_t] = []
    private var namespaces: [String] = []

    /// Where a host keeps its own files: `data` and `state` (its XDG directories) and `id_ed25519`, the student's key.
    public func home(_ alias: String) -> String { directory + "/" + alias }
    /// A host with a system of its own: that system's root directory, as seen from here.
    public func systemRoot(_ alias: String) -> String { home(alias) + "/root" }
    /// A host with a system of its own: the login's home directory there, as seen from here.
    public func loginHome(_ alias: String) -> String {
        let login = hosts.first { $0.alias == alias }?.system?.login ?? "root"
        return systemRoot(alias) + (login == "root" ? "/root" : "/home/" + login)
    }
    public func namespace(_ alias: String) -> String { "vlc-\(token)-\(alias)" }

    /// One /24 per classroom, one /30 per host in it.
    private static let subnets = Mutex(Int(getpid()) % 200)

    public init(_ hosts: [Host]) async throws {
        self.hosts = hosts
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd") else {
            throw QEMUTestGuest.Unavailable(description: "LOUD: no /usr/sbin/sshd: run 'make test' (it installs openssh-server)")
        }
        try TestNetwork.requireInside()
        let subnet = Self.subnets.withLock { $0 = ($0 + 1) % 250; return $0 }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        try keygen(directory + "/teacher")
        try FileManager.default.copyItem(atPath: directory + "/teacher.pub", toPath: directory + "/authorized_keys")
        let virtlabDirectory = (Run.virtlabBinary as NSString).deletingLastPathComponent
        var config = "", knownHosts = ""
        for (index, host) in hosts.enumerated() {
            let home = home(host.alias), namespace = namespace(host.alias)
            let (teacherSide, hostSide) = ("10.231.\(subnet).\(index * 4 + 1)", "10.231.\(subnet).\(index * 4 + 2)")
            for sub in ["data", "state"] {
                try FileManager.default.createDirectory(atPath: home + "/" + sub, withIntermediateDirectories: true)
            }
            if let system = host.system {
                try await makeSystem(system, for: host)
            }
            try keygen(home + "/host_key")
            try keygen(home + "/id_ed25519")
            try (host.machineID + "\n").write(toFile: home + "/machine-id", atomically: true, encoding: .utf8)
            let link = "vc\(token)\(index)"
            try ip(["netns", "add", namespace])
            namespaces.append(namespace)
            try ip(["link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", namespace])
            try ip(["addr", "add", teacherSide + "/30", "dev", link])
            try ip(["link", "set", link, "up"])
            for command in [["addr", "add", hostSide + "/30", "dev", "eth0"], ["link", "set", "eth0", "up"],
                            ["link", "set", "lo", "up"]] {
                try ip(["netns", "exec", namespace, "ip"] + command)
            }
            var path = (host.hasVirtlab ? virtlabDirectory + ":" : "") + "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
            if let impostor = host.impostorVirtlab {
                try FileManager.default.createDirectory(atPath: home + "/bin", withIntermediateDirectories: true)
                try ("#!/bin/sh\n" + impostor).write(toFile: home + "/bin/virtlab", atomically: true, encoding: .utf8)
                try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: home + "/bin/virtlab")
                path = home + "/bin:" + path
            }
            try """
                Port 22
                ListenAddress \(hostSide)
                HostKey \(home)/host_key
                PidFile \(home)/sshd.pid
                AuthorizedKeysFile \(directory)/authorized_keys
                StrictModes no
                UsePAM no
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                PermitRootLogin prohibit-password
                SetEnv PATH=\(path) XDG_DATA_HOME=\(home)/data XDG_STATE_HOME=\(home)/state VIRTLAB_SSH_IDENTITY=\(home)/id_ed25519
                LogLevel ERROR

                """.write(toFile: home + "/sshd_config", atomically: true, encoding: .utf8)
            let shownKey = host.keyMismatch ? try { try keygen(home + "/other_key"); return home + "/other_key.pub" }()
                : home + "/host_key.pub"
            let key = try String(contentsOfFile: shownKey, encoding: .utf8).split(separator: " ").prefix(2).joined(separator: " ")
            knownHosts += "\(hostSide) \(key)\n"
            config += """
                Host \(host.alias)
                    HostName \(hostSide)
                    User \(host.system?.login ?? NSUserName())
                    IdentityFile \(directory)/teacher
                    IdentitiesOnly yes
                    UserKnownHostsFile \(directory)/known_hosts

                """
            guard !host.down else { continue }
            if host.system != nil {
                // Its own system: /proc and /dev mounted in sshd's own mount namespace (which `ip netns exec` makes,
                // and which takes them away when sshd ends), then sshd chrooted there with its own users.
                let root = systemRoot(host.alias)
                try FileManager.default.copyItem(atPath: home + "/host_key", toPath: root + "/etc/ssh/virtlab_test_host_key")
                try """
                    Port 22
                    ListenAddress \(hostSide)
                    HostKey /etc/ssh/virtlab_test_host_key
                    PidFile /run/sshd.pid
                    UsePAM no
                    StrictModes no
                    PasswordAuthentication no
                    KbdInteractiveAuthentication no
                    PermitRootLogin prohibit-password
                    LogLevel ERROR

                    """.write(toFile: root + "/etc/ssh/virtlab_test_sshd_config", atomically: true, encoding: .utf8)
                daemons.append(try ProcessRunner.spawn([
                    "ip", "netns", "exec", namespace, "unshare", "--uts", "sh", "-c",
                    "hostname \(host.alias) && mount -t proc proc \(root)/proc && mount --bind /dev \(root)/dev && "
                        + "exec chroot \(root) /usr/sbin/sshd -D -e -f /etc/ssh/virtlab_test_sshd_config",
                ]))
                continue
            }
            // `ip netns exec` gives sshd a mount namespace of its own, where its machine-id goes; `unshare --uts`
            // a host name of its own. Each execs the next, so the pid is sshd's.
            daemons.append(try ProcessRunner.spawn([
                "ip", "netns", "exec", namespace, "unshare", "--uts", "sh", "-c",
                "hostname \(host.alias) && mount --bind \(home)/machine-id /etc/machine-id && exec /usr/sbin/sshd -D -e -f \(home)/sshd_config",
            ]))
        }
        try knownHosts.write(toFile: directory + "/known_hosts", atomically: true, encoding: .utf8)
        try config.write(toFile: sshConfig, atomically: true, encoding: .utf8)
        for (index, host) in hosts.enumerated() where !host.down {
            let address = "10.231.\(subnet).\(index * 4 + 2)"
            let listening = await eventually(timeout: .seconds(60), every: .milliseconds(50)) {
                if case .success = TCPProbe.connect(address, port: 22, timeout: 1) { return true }
                return false
            }
            guard listening else { throw Run.Failure("sshd for \(host.alias) did not listen on \(address):22") }
        }
    }

    /// A lab of the teacher's own (in no catalog): one step that makes the directory `place` (a parameter, so
    /// `{student}` works), 2 points; its `solve` does it.
    public static func teachersOwnLab(id: String, title: String, place: String) -> String {
        """
        id: \(id)
        title: \(title)
        parameters:
          place: "\(place)"
        steps:
          - id: make
            title: Make the directory
            instructions: Make {{place}}.
            solve: [mkdir, -p, "{{place}}"]
            checks:
              - id: there
                title: "{{place}} exists"
                points: 2
                file:
                  path: "{{place}}"
                  exists: true

        """
    }

    /// Runs a command on a host as the student would in their own shell there (through the test's ssh config).
    public func onHost(_ alias: String, _ words: [String]) -> ProcessOutcome {
        SecureShell(user: nil, address: alias, knownHosts: nil, configFile: sshConfig, batch: true)
            .run(.words(words), timeout: 120)
    }

    deinit {
        for pid in daemons { kill(pid, SIGTERM); _ = ProcessRunner.wait(for: pid) }
        for namespace in namespaces { _ = ProcessRunner.run(["ip", "netns", "del", namespace]) }
        // Never into a mount: a host's /dev and /proc are mounted only where its sshd ran, but this makes sure.
        _ = ProcessRunner.run(["rm", "-rf", "--one-file-system", directory], timeout: 120)
    }

    /// A copy of the clean root for the host: its machine-id, the login (made there when not root) with the
    /// teacher's key authorized and a student key of its own, and the preinstalled packages.
    private func makeSystem(_ system: OwnSystem, for host: Host) async throws {
        let root = systemRoot(host.alias)
        guard FileManager.default.fileExists(atPath: OwnSystem.rootTarball) else {
            throw QEMUTestGuest.Unavailable(description: "LOUD: no \(OwnSystem.rootTarball): run 'make test' (.ci/build-package-root makes it)")
        }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try await succeed(["tar", "-C", root, "-xf", OwnSystem.rootTarball])
        try (host.machineID + "\n").write(toFile: root + "/etc/machine-id", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: root + "/run/sshd", withIntermediateDirectories: true)
        // No password, but not locked ("*", not "!"): sshd without PAM refuses a locked account even its keys.
        if system.login != "root" { try await inRoot(root, "useradd -m -p '*' -s /bin/bash \(system.login)") }
        let loginHome = loginHome(host.alias)
        try FileManager.default.createDirectory(atPath: loginHome + "/.ssh", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: directory + "/teacher.pub", toPath: loginHome + "/.ssh/authorized_keys")
        try keygen(loginHome + "/.ssh/id_ed25519")
        try await inRoot(root, "chown -R \(system.login): ~\(system.login)/.ssh")
        for (index, package) in system.preinstalled.enumerated() {
            try FileManager.default.copyItem(atPath: package, toPath: root + "/tmp/preinstalled-\(index).deb")
            try await inRoot(root, "dpkg -i /tmp/preinstalled-\(index).deb && rm /tmp/preinstalled-\(index).deb")
        }
    }

    /// A shell command in a host's own system: chrooted, with /proc mounted for it alone.
    private func inRoot(_ root: String, _ script: String) async throws {
        try await succeed(["unshare", "--mount", "--fork", "sh", "-c",
                     #"mount -t proc proc "$1/proc" && exec chroot "$1" /bin/sh -c "$2""#, "sh", root, script])
    }

    /// Off the cooperative threads: unpacking a whole system takes long enough to starve the tests beside it.
    private func succeed(_ command: [String]) async throws {
        let run = try await Run.command(command)
        guard run.status == 0 else { throw Run.Failure("\(command.joined(separator: " ")): \(run.stdout)\(run.stderr)") }
    }

    private func ip(_ arguments: [String]) throws {
        let run = ProcessRunner.run(["ip"] + arguments, timeout: 20)
        guard run.status == 0 else { throw Run.Failure("ip \(arguments.joined(separator: " ")): \(run.stderr)") }
    }

    private func keygen(_ path: String) throws {
        let made = ProcessRunner.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", path])
        guard made.status == 0 else { throw Run.Failure("ssh-keygen: \(made.stderr)") }
    }
}
