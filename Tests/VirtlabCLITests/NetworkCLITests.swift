import Foundation
import Testing
import TestTags
import TestSupport

/// `virtlab net …` as a user types it, on a private test-driver hypervisor (its `labnet` network is NAT on
/// 192.168.150.0/24, and the VM `web1` has a NIC on it). Each run reloads the fixture.
@Suite(.tags(.pure)) struct NetworkCLITests {
    let fixture: TestDriverFixture

    init() throws { fixture = try TestDriverFixture(vms: [.init(name: "web1", running: true)]) }

    func virtlab(_ args: String...) throws -> Run.Result { try Run.virtlab(args + ["--uri", fixture.uri]) }

    @Test func infoShowsTheNetworkAndWhoIsOnIt() throws {
        let info = try virtlab("net", "info", "labnet")
        #expect(info.status == 0)
        for line in ["Mode:       nat", "Bridge:     virbr9", "Subnet:     192.168.150.0/24 (host 192.168.150.1)",
                     "DHCP:       192.168.150.2-192.168.150.254", "VMs:        web1"] {
            #expect(info.stdout.contains(line), "\(info.stdout)")
        }
        let json = try JSONSerialization.jsonObject(with: Data(try virtlab("net", "info", "labnet", "--json").stdout.utf8))
            as? [String: Any]
        #expect(json?["vms"] as? [String] == ["web1"] && json?["subnet"] as? String == "192.168.150.0/24")
        // The list: subnet as a CIDR, and who is on each network (the test driver reports no leases: "-").
        let row = try virtlab("net", "ls").stdout.split(separator: "\n").first { $0.hasPrefix("labnet") }
        #expect(row?.split(separator: " ").map(String.init)
                == ["labnet", "active", "no", "nat", "virbr9", "192.168.150.0/24", "192.168.150.2-192.168.150.254", "-",
                    "web1"], "\(String(describing: row))")
    }

    @Test func createBuildsTheNetworkFromFlags() throws {
        let made = try virtlab("net", "create", "inside", "--mode", "isolated", "--subnet", "10.77.0.0/24",
                               "--dhcp", "10.77.0.10-10.77.0.20")
        #expect(made.status == 0 && made.stdout == "defined network inside (isolated, 10.77.0.0/24); start it with "
                + "'virtlab net start inside'\n", "\(made.stderr)")
    }

    /// What `vm ssh` refuses before any packet is sent (the test driver's addresses are made up: never tried).
    @Test func vmSSHSaysWhyItCannotLogIn() async throws {
        let stopped = try TestDriverFixture(vms: [.init(name: "idle", running: false)])
        defer { stopped.remove() }
        await expectOneLineError(try Run.virtlab(["vm", "ssh", "idle", "--uri", stopped.uri]),
                           mentioning: ["VM 'idle' is not running", "virtlab vm start idle"], notesAllowed: false)
        expectOneLineError(try virtlab("vm", "ssh", "web1"),
                           mentioning: ["'web1' is a VM of libvirt's test driver: its addresses are made up"],
                           notesAllowed: false)
        expectOneLineError(try virtlab("vm", "ssh", "web1", "--network", "other"),
                           mentioning: ["VM 'web1' has no NIC on network other"], notesAllowed: false)
        let noKey = try virtlab("vm", "ssh", "web1", "-i", "/nonexistent/key")
        #expect(noKey.status == 64 && noKey.stderr.contains("--identity /nonexistent/key: no such readable file"))
        let help = try virtlab("vm", "ssh", "--help")
        #expect(help.status == 0 && help.stdout.contains("Same as: ssh -l USER ADDRESS"))
    }

    @Test func badInputIsOneLineAndNamesTheThing() throws {
        expectOneLineError(try virtlab("net", "create", "other", "--mode", "nat", "--subnet", "192.168.150.0/25"),
                           mentioning: ["overlaps network 'labnet'"], notesAllowed: false)
        expectOneLineError(try virtlab("net", "create", "labnet", "--subnet", "10.78.0.0/24"),
                           mentioning: ["a network named 'labnet' already exists"], notesAllowed: false)
        expectOneLineError(try virtlab("net", "create", "other", "--subnet", "10.78.0.0/24", "--dhcp", "10.79.0.2-10.79.0.9"),
                           mentioning: ["is not inside 10.78.0.0/24"], notesAllowed: false)
        let badMode = try virtlab("net", "create", "other", "--mode", "bridged")
        #expect(badMode.status == 64 && badMode.stderr.contains("--mode bridged: use isolated, nat, route or open"))
        expectOneLineError(try virtlab("net", "delete", "labnet", "--yes"),
                           mentioning: ["in use by web1"], notesAllowed: false)
        expectOneLineError(try virtlab("net", "delete", "labnet"), mentioning: ["--yes"], notesAllowed: false)
        expectOneLineError(try virtlab("net", "start", "labnet"),
                           mentioning: ["cannot start network 'labnet': it is active"], notesAllowed: false)
        expectOneLineError(try virtlab("net", "info", "nope"),
                           mentioning: ["no network 'nope'", "virtlab net ls"], notesAllowed: false)
        expectOneLineError(try virtlab("net", "leases", "labnet"),
                           mentioning: ["does not support it"], notesAllowed: false)
    }

    @Test func nicChangesRefuseBadInputBeforeTouchingTheVM() throws {
        let badModel = try virtlab("vm", "nic", "attach", "web1", "--network", "labnet", "--model", "ne2k")
        #expect(badModel.status == 64 && badModel.stderr.contains("--model ne2k: use virtio, e1000, e1000e, rtl8139"))
        let badMAC = try virtlab("vm", "nic", "attach", "web1", "--network", "labnet", "--mac", "01:00:5e:00:00:01")
        #expect(badMAC.status == 64 && badMAC.stderr.contains("unicast"))
        expectOneLineError(try virtlab("vm", "nic", "attach", "web1", "--network", "nope"),
                           mentioning: ["no network 'nope'"], notesAllowed: false)
        expectOneLineError(try virtlab("vm", "nic", "detach", "web1", "--mac", "52:54:00:00:00:99"),
                           mentioning: ["'web1' has no NIC with MAC 52:54:00:00:00:99"], notesAllowed: false)
    }

    @Test func deleteWithForceRemovesANetworkInUse() throws {
        #expect(try virtlab("net", "delete", "labnet", "--yes", "--force").stdout == "deleted network labnet\n")
    }
}
