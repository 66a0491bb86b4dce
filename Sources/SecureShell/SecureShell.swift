import Foundation
import HostDoctor
import ProcessRunner

/// One way to reach a machine with the system `ssh`, so the user's config, agent and keys keep working.
/// Host keys are checked: the first key a machine shows is kept in virtlab's own known_hosts (guests come and
/// go, and their addresses are reused, so they stay out of `~/.ssh/known_hosts`); a changed key is refused.
/// A guest's key is filed under the VM's UUID, not its address: a re-created VM that gets the same address
/// from DHCP is a new machine, not an impostor, while a different key for the same VM is refused.
/// A class's student hosts are the user's own machines: their keys stay in the user's known_hosts
/// (`knownHosts` nil), and one connection per host is kept open for the commands that follow (`controlPath`).
public struct SecureShell: Sendable, Equatable {
    public var user: String?
    public var address: String
    /// The name the host key is filed under instead of the address (ssh's HostKeyAlias).
    public var hostKeyAlias: String?
    /// A private key to offer first (`ssh -i`); ssh still tries the agent and the default keys.
    public var identity: String?
    /// virtlab's own file for guests; nil: the user's (`~/.ssh/known_hosts`, or what their config says).
    public var knownHosts: String?
    /// An ssh config file to read instead of `~/.ssh/config` (`ssh -F`).
    public var configFile: String?
    /// Where the shared connection's socket lives (ControlMaster auto, kept 60 s after the last use).
    public var controlPath: String?
    /// No prompts (passwords, passphrases): for graders and scripts, which must fail rather than wait.
    public var batch: Bool
    public var connectTimeoutSeconds: Int

    public init(user: String?, address: String, hostKeyAlias: String? = nil, identity: String? = nil,
                knownHosts: String? = SecureShell.knownHostsFile(), configFile: String? = nil,
                controlPath: String? = nil, batch: Bool, connectTimeoutSeconds: Int = 10) {
        self.user = user
        self.address = address
        self.hostKeyAlias = hostKeyAlias
        self.identity = identity
        self.knownHosts = knownHosts
        self.configFile = configFile
        self.controlPath = controlPath
        self.batch = batch
        self.connectTimeoutSeconds = connectTimeoutSeconds
    }

    public static func knownHostsFile(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        StateDirectory.path(environment) + "/known_hosts"
    }

    /// The name a VM's host key is filed under.
    public static func hostKeyAlias(vmUUID: String) -> String { "virtlab-vm-\(vmUUID)" }

    /// A command for the remote side. sshd hands the login shell one line: `words` are quoted one by one so each
    /// arrives as it was given (how the grader runs argument lists); a `line` goes as typed, pipes and all (how
    /// `ssh HOST 'a | b'` behaves for a person).
    public enum Remote: Sendable, Equatable {
        case login
        case words([String])
        case line(String)
    }

    /// The `ssh` argument list.
    public func argv(_ remote: Remote = .login) -> [String] {
        var argv = ["ssh"]
        if let configFile { argv += ["-F", configFile] }
        argv += ["-o", "StrictHostKeyChecking=accept-new", "-o", "ConnectTimeout=\(connectTimeoutSeconds)",
                 "-o", "LogLevel=ERROR"]
        // LogLevel=ERROR drops "Permanently added …" on first contact; a changed key is still said in full.
        // virtlab's own file stays unhashed: it names VMs by UUID, and a person reading it should see which.
        if let knownHosts { argv += ["-o", "UserKnownHostsFile=\(knownHosts)", "-o", "HashKnownHosts=no"] }
        if let controlPath {
            argv += ["-o", "ControlMaster=auto", "-o", "ControlPath=\(controlPath)", "-o", "ControlPersist=60s"]
        }
        if let hostKeyAlias { argv += ["-o", "HostKeyAlias=\(hostKeyAlias)"] }
        if batch { argv += ["-o", "BatchMode=yes"] }
        if let identity { argv += ["-i", identity] }
        if let user { argv += ["-l", user] }
        argv.append(address)
        switch remote {
        case .login: break
        case .words(let words): argv += ["--"] + words.map(Self.quoted)
        case .line(let line): argv += ["--", line]
        }
        return argv
    }

    /// A word as a POSIX shell reads it back unchanged: single-quoted.
    public static func quoted(_ word: String) -> String { "'" + word.replacingOccurrences(of: "'", with: #"'\''"#) + "'" }

    /// Runs a command there and returns its outcome (ssh's own failures have status 255).
    /// - inputFile: what the remote command reads on its standard input.
    public func run(_ remote: Remote, timeout: Double, inputFile: String? = nil) -> ProcessOutcome {
        prepareKnownHosts()
        return ProcessRunner.run(argv(remote), timeout: timeout, inputFile: inputFile)
    }

    /// Runs ssh on this terminal (a login shell, or the command with its output live); its exit status.
    public func runAttached(_ remote: Remote = .login) throws -> Int32 {
        prepareKnownHosts()
        return try ProcessRunner.runAttached(argv(remote))
    }

    private func prepareKnownHosts() {
        guard let knownHosts else { return }
        try? FileManager.default.createDirectory(atPath: (knownHosts as NSString).deletingLastPathComponent,
                                                 withIntermediateDirectories: true)
    }

    /// What went wrong, in one line, when ssh itself failed (status 255) for a reason the user can act on;
    /// nil when its own message says it best.
    public func diagnosis(stderr: String, machine: String) -> String? {
        if stderr.contains("REMOTE HOST IDENTIFICATION HAS CHANGED") || stderr.contains("Host key verification failed") {
            return "the host key of \(machine) (\(address)) is not the one virtlab saw there before; refusing to connect. "
                + "If its keys were made anew, forget the old one with 'ssh-keygen -R \(hostKeyAlias ?? address)"
                + "\(knownHosts.map { " -f \($0)" } ?? "")'"
        }
        if stderr.contains("Permission denied") {
            return "\(machine) (\(address)) refused the login\(user.map { " as \($0)" } ?? ""): "
                + "pass the key cloud-init installed with -i KEY, or the right user with --user"
        }
        if stderr.contains("Connection refused") {
            return "nothing listens on port 22 of \(machine) (\(address)) yet: sshd may still be starting; try again"
        }
        if stderr.contains("timed out") || stderr.contains("No route to host") {
            return "\(machine) (\(address)) does not answer: is it on a network this host reaches?"
        }
        return nil
    }
}
