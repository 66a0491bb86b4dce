import Foundation
import ProcessRunner
import SecureShell

/// Student hosts for the classroom tests, on loopback: each its own `sshd` (own host key, own port, own PATH:
/// with or without virtlab), reached through an ssh config of the test's own (the teacher's key, a known_hosts
/// holding each host's key, as a teacher's would). Nothing outside loopback is contacted.
public final class TestClassroom {
    public struct Host {
        public let alias: String
        public let port: Int
        public var hasVirtlab = true
        /// The teacher's known_hosts holds another key for it: an impostor, or a reinstalled host.
        public var keyMismatch = false
        /// Nothing listens on its port.
        public var down = false

        public init(_ alias: String, hasVirtlab: Bool = true, keyMismatch: Bool = false, down: Bool = false) {
            self.alias = alias
            self.port = Int.random(in: 20000...45000)
            (self.hasVirtlab, self.keyMismatch, self.down) = (hasVirtlab, keyMismatch, down)
        }
    }

    public let directory = NSTemporaryDirectory() + "virtlab-classroom-\(UUID().uuidString.prefix(8))"
    public var sshConfig: String { directory + "/ssh_config" }
    private var daemons: [pid_t] = []

    public init(_ hosts: [Host]) async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/sshd") else {
            throw QEMUTestGuest.Unavailable(description: "LOUD: no /usr/sbin/sshd: run 'make test' (it installs openssh-server)")
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        try keygen(directory + "/teacher")
        try FileManager.default.copyItem(atPath: directory + "/teacher.pub", toPath: directory + "/authorized_keys")
        let virtlabDirectory = (Run.virtlabBinary as NSString).deletingLastPathComponent
        var config = "", knownHosts = ""
        for host in hosts {
            let home = directory + "/" + host.alias
            try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
            try keygen(home + "/host_key")
            let path = (host.hasVirtlab ? virtlabDirectory + ":" : "") + "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
            try """
                Port \(host.port)
                ListenAddress 127.0.0.1
                HostKey \(home)/host_key
                PidFile \(home)/sshd.pid
                AuthorizedKeysFile \(directory)/authorized_keys
                StrictModes no
                UsePAM no
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                PermitRootLogin prohibit-password
                SetEnv PATH=\(path)
                LogLevel ERROR

                """.write(toFile: home + "/sshd_config", atomically: true, encoding: .utf8)
            let shownKey = host.keyMismatch ? try { try keygen(home + "/other_key"); return home + "/other_key.pub" }()
                : home + "/host_key.pub"
            let key = try String(contentsOfFile: shownKey, encoding: .utf8).split(separator: " ").prefix(2).joined(separator: " ")
            knownHosts += "[127.0.0.1]:\(host.port) \(key)\n"
            config += """
                Host \(host.alias)
                    HostName 127.0.0.1
                    Port \(host.port)
                    User \(NSUserName())
                    IdentityFile \(directory)/teacher
                    IdentitiesOnly yes
                    UserKnownHostsFile \(directory)/known_hosts

                """
            guard !host.down else { continue }
            daemons.append(try ProcessRunner.spawn(["/usr/sbin/sshd", "-D", "-e", "-f", home + "/sshd_config"]))
        }
        try knownHosts.write(toFile: directory + "/known_hosts", atomically: true, encoding: .utf8)
        try config.write(toFile: sshConfig, atomically: true, encoding: .utf8)
        for host in hosts where !host.down {
            let listening = await eventually(timeout: .seconds(10), every: .milliseconds(50)) {
                if case .success = TCPProbe.connect("127.0.0.1", port: host.port, timeout: 1) { return true }
                return false
            }
            guard listening else { throw Run.Failure("sshd for \(host.alias) did not listen on 127.0.0.1:\(host.port)") }
        }
    }

    deinit {
        for pid in daemons { kill(pid, SIGTERM); _ = ProcessRunner.wait(for: pid) }
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func keygen(_ path: String) throws {
        let made = ProcessRunner.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", path])
        guard made.status == 0 else { throw Run.Failure("ssh-keygen: \(made.stderr)") }
    }
}
