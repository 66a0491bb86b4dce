import BlockingWork
import Foundation
import ProcessRunner
import Testing
import TestTags
@testable import SecureShell

@Suite(.tags(.pure)) struct SecureShellTests {
    let shell = SecureShell(user: "ana", address: "192.0.2.7", hostKeyAlias: SecureShell.hostKeyAlias(vmUUID: "u-1"),
                            identity: "/home/ana/key", knownHosts: "/tmp/kh", batch: true)

    @Test func theRemoteShellGetsBackEveryWordAsItWasGiven() async {
        let words = ["printf", "%s|", "it's mine; rm -rf /", "$HOME", "`id`", "a b"]
        let argv = shell.argv(.words(words))
        let remoteLine = argv.drop { $0 != "--" }.dropFirst().joined(separator: " ")
        // What sshd hands the login shell: the words joined by spaces, as one line.
        let outcome = await BlockingPool.run { ProcessRunner.run(["sh", "-c", remoteLine]) }
        #expect(outcome.stdout == "it's mine; rm -rf /|$HOME|`id`|a b|")
        // A line typed for a person's login goes as typed: the remote shell runs the pipe.
        #expect(Array(shell.argv(.line("ls /etc | wc -l")).suffix(2)) == ["--", "ls /etc | wc -l"])
    }

    @Test func hostKeysAreCheckedAgainstVirtlabsOwnFileAndScriptsNeverPrompt() {
        let argv = shell.argv()
        #expect(argv.contains("StrictHostKeyChecking=accept-new") && argv.contains("UserKnownHostsFile=/tmp/kh"))
        #expect(argv.contains("BatchMode=yes") && argv.contains("HostKeyAlias=virtlab-vm-u-1"))
        #expect(Array(argv.suffix(5)) == ["-i", "/home/ana/key", "-l", "ana", "192.0.2.7"])
        let interactive = SecureShell(user: nil, address: "192.0.2.7", knownHosts: "/tmp/kh", batch: false).argv()
        #expect(!interactive.contains("BatchMode=yes") && !interactive.contains("-l") && interactive.last == "192.0.2.7")
    }

    @Test func theKnownHostsFileLivesInVirtlabsStateDirectory() {
        #expect(SecureShell.knownHostsFile(["XDG_STATE_HOME": "/s", "HOME": "/h"]) == "/s/virtlab/known_hosts")
        #expect(SecureShell.knownHostsFile(["HOME": "/h"]) == "/h/.local/state/virtlab/known_hosts")
    }

    @Test func aChangedHostKeyIsRefusedWithTheCommandThatForgetsTheOldOne() {
        let stderr = """
            @@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@
            @    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @
            Host key verification failed.
            """
        let line = shell.diagnosis(stderr: stderr, machine: "web1")
        #expect(line == "the host key of web1 (192.0.2.7) is not the one virtlab saw there before; refusing to "
            + "connect. If its keys were made anew, forget the old one with 'ssh-keygen -R virtlab-vm-u-1 -f /tmp/kh'")
        #expect(shell.diagnosis(stderr: "ana@192.0.2.7: Permission denied (publickey).", machine: "web1")?
            .contains("pass the key cloud-init installed with -i KEY") == true)
        #expect(shell.diagnosis(stderr: "some other failure", machine: "web1") == nil)
    }
}

@Suite(.tags(.pure)) struct TCPProbeTests {
    /// A TCP socket bound to a free port on 127.0.0.1, listening or not; nil when the port cannot be had.
    static func loopbackSocket(listening: Bool) -> (fd: Int32, port: Int)? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in(sin_family: sa_family_t(AF_INET), sin_port: 0,
                                  sin_addr: in_addr(s_addr: inet_addr("127.0.0.1")), sin_zero: (0, 0, 0, 0, 0, 0, 0, 0))
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && (!listening || listen(fd, 4) == 0) && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { close(fd); return nil }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    /// A listener on loopback that greets each connection the way sshd does, then hangs up.
    final class Greeter: @unchecked Sendable {
        let fd: Int32
        let port: Int

        init(greeting: String) throws {
            let (fd, port) = try #require(TCPProbeTests.loopbackSocket(listening: true), "cannot listen on 127.0.0.1")
            (self.fd, self.port) = (fd, port)
            Thread.detachNewThread {
                while true {
                    let client = accept(fd, nil, nil)
                    if client < 0 { return }
                    _ = greeting.withCString { write(client, $0, strlen($0)) }
                    close(client)
                }
            }
        }

        deinit { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }
    }

    @Test func theProbeReadsTheServicesGreetingAndTellsARefusalApart() throws {
        let sshd = try Greeter(greeting: "SSH-2.0-OpenSSH_9.2p1 Debian\r\n")
        #expect(try TCPProbe.connect("127.0.0.1", port: sshd.port, timeout: 5).get() == "SSH-2.0-OpenSSH_9.2p1 Debian")
        // A port bound but not listening refuses for sure (a neighbour of the greeter's might be anyone's).
        let (bound, closedPort) = try #require(Self.loopbackSocket(listening: false))
        defer { close(bound) }
        if case .failure(let why) = TCPProbe.connect("127.0.0.1", port: closedPort, timeout: 5) {
            #expect(why.description == "refuses connections")
        } else {
            Issue.record("nothing listens on port \(closedPort), yet the probe connected")
        }
        if case .failure(let why) = TCPProbe.connect("not-an-address", port: 22, timeout: 1) {
            #expect(why.description == "is not an address")
        } else {
            Issue.record("a host name must not be looked up")
        }
    }
}
