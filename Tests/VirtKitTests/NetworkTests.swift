import Foundation
import Testing
import TestTags
import TestSupport
@testable import VirtKit

/// `virtlab net create` builds network XML from flags; what it refuses it refuses before libvirt is asked.
@Suite(.tags(.pure)) struct NetworkSpecTests {
    /// libvirt 9.0's words on a host without dnsmasq or iptables (captured with each binary moved away).
    @Test func aNetworkThatCannotStartForWantOfAHelperSaysWhatToInstall() {
        let noDnsmasq = "Unable to find 'dnsmasq' binary in $PATH: No such file or directory"
        let noIptables = "internal error: Failed to apply firewall rules /usr/sbin/iptables -w --table filter --insert "
            + "LIBVIRT_INP --in-interface virbr0 --protocol tcp --destination-port 67 --jump ACCEPT: libvirt:  error : "
            + "cannot execute binary /usr/sbin/iptables: No such file or directory"
        #expect(Refusal.missingHelper(network: "lab", libvirtMessage: noDnsmasq)?.description
            == "network 'lab' hands out addresses with dnsmasq, which libvirtd cannot find: install it (Debian: apt "
            + "install dnsmasq-base) and start the network again")
        #expect(Refusal.missingHelper(network: "lab", libvirtMessage: noIptables)?.description
            .hasPrefix("network 'lab' needs iptables for its NAT and filter rules") == true)
        #expect(Refusal.missingHelper(network: "lab", libvirtMessage: "network is already active") == nil)
    }

    @Test func subnetsParseMaskAndOverlap() throws {
        let lab = try #require(IPv4Subnet("192.168.150.77/24"))
        #expect(lab.description == "192.168.150.0/24" && lab.gateway == "192.168.150.1" && lab.netmask == "255.255.255.0")
        #expect(lab.overlaps(try #require(IPv4Subnet("192.168.0.0/16"))))
        #expect(!lab.overlaps(try #require(IPv4Subnet("192.168.151.0/24"))))
        for bad in ["192.168.150.0", "192.168.150.0/31", "192.168.150.0/7", "300.1.1.1/24", "a.b.c.d/24", "1.2.3/24"] {
            #expect(IPv4Subnet(bad) == nil, "\(bad)")
        }
        #expect(IPv4Subnet(address: "192.168.122.1", netmaskOrPrefix: "255.255.255.0")?.description == "192.168.122.0/24")
    }

    @Test func theXMLIsTheNetworkAsked() throws {
        let nat = NetworkSpec(name: "lab", mode: .nat, subnet: IPv4Subnet("192.168.150.0/24"),
                              dhcp: ("192.168.150.10", "192.168.150.99"), bridge: "virbr42")
        #expect(nat.problem() == nil)
        #expect(nat.xml.contains("<forward mode='nat'/>") && nat.xml.contains("<bridge name='virbr42'"))
        #expect(nat.xml.contains("<ip address='192.168.150.1' netmask='255.255.255.0'>"))
        #expect(nat.xml.contains("<range start='192.168.150.10' end='192.168.150.99'/>"))
        let hostOnly = NetworkSpec(name: "inside", mode: .isolated, subnet: IPv4Subnet("10.77.0.0/24"))
        #expect(hostOnly.problem() == nil && !hostOnly.xml.contains("<forward"))
    }

    @Test func badSpecsAreRefusedWithWhatToDo() {
        let subnet = IPv4Subnet("192.168.150.0/24")
        let cases: [(NetworkSpec, String)] = [
            (NetworkSpec(name: "bad name", mode: .isolated), "network name 'bad name'"),
            (NetworkSpec(name: "n", mode: .nat), "a nat network needs --subnet"),
            (NetworkSpec(name: "n", mode: .isolated, bridge: "a-bridge-name-too-long"), "at most 15 characters"),
            (NetworkSpec(name: "n", mode: .isolated, forwardDevice: "eth0"), "--forward-dev applies to nat and route"),
            (NetworkSpec(name: "n", mode: .isolated, dhcp: ("10.0.0.2", "10.0.0.9")), "--dhcp needs --subnet"),
            (NetworkSpec(name: "n", mode: .nat, subnet: subnet, dhcp: ("192.168.151.2", "192.168.151.9")),
             "is not inside 192.168.150.0/24 (usable for guests: 192.168.150.2-192.168.150.254)"),
            (NetworkSpec(name: "n", mode: .nat, subnet: subnet, dhcp: ("192.168.150.1", "192.168.150.9")),
             "is not inside"),  // the host's own address
            (NetworkSpec(name: "n", mode: .nat, subnet: subnet, dhcp: ("192.168.150.90", "192.168.150.9")), "is not inside"),
        ]
        for (spec, message) in cases {
            #expect(spec.problem()?.contains(message) == true, "\(spec.name): \(spec.problem() ?? "accepted")")
        }
    }
}

/// Networks on a private test-driver hypervisor: define, start, stop, autostart, delete, and every refusal
/// leaving nothing behind.
@Suite(.tags(.pure)) struct TestDriverNetworkTests {
    let fixture: TestDriverFixture
    let connection: Connection

    init() throws {
        fixture = try TestDriverFixture(vms: [.init(name: "web1", running: true)])  // web1 has a NIC on labnet
        connection = try Connection(uri: fixture.uri)
    }

    func spec(_ name: String, _ subnet: String, bridge: String? = nil) -> NetworkSpec {
        NetworkSpec(name: name, mode: .nat, subnet: IPv4Subnet(subnet), dhcp: nil, bridge: bridge)
    }

    @Test func aNetworkIsDefinedStartedStoppedAndDeleted() throws {
        let made = try connection.defineNetwork(spec("lab", "192.168.160.0/24"), hostInterfaces: [], hostRoutes: [])
        #expect(made.name == "lab" && !made.active && made.forwardMode == "nat" && made.subnet?.description == "192.168.160.0/24")
        try connection.startNetwork("lab")
        #expect(try connection.network(named: "lab").active)
        try connection.setNetworkAutostart("lab", true)
        #expect(try connection.network(named: "lab").autostart)
        try connection.stopNetwork("lab")
        #expect(try !connection.network(named: "lab").active)
        try connection.startNetwork("lab")
        try connection.deleteNetwork("lab")  // active: stopped first
        #expect(try !connection.networks().contains { $0.name == "lab" })
    }

    @Test func clashesAreRefusedAndNothingIsDefined() throws {
        let before = try connection.networks().map(\.name)
        let refusals: [(NetworkSpec, Set<String>, [IPv4Subnet], String)] = [
            (spec("labnet", "10.1.0.0/24"), [], [], "a network named 'labnet' already exists"),
            (spec("other", "192.168.150.128/25"), [], [], "overlaps network 'labnet' (192.168.150.0/24)"),
            (spec("other", "10.1.0.0/24", bridge: "virbr9"), [], [], "bridge 'virbr9' belongs to network 'labnet'"),
            (spec("other", "10.1.0.0/24", bridge: "eth0"), ["eth0"], [], "an interface named 'eth0' exists on this host"),
            (spec("other", "10.1.0.0/24"), [], [IPv4Subnet("10.0.0.0/8")!], "overlaps this host's route to 10.0.0.0/8"),
        ]
        for (spec, interfaces, routes, message) in refusals {
            let refusal = #expect(throws: Refusal.self) {
                try connection.defineNetwork(spec, hostInterfaces: interfaces, hostRoutes: routes)
            }
            #expect(refusal?.description.contains(message) == true, "\(refusal?.description ?? "accepted")")
        }
        #expect(try connection.networks().map(\.name) == before)
    }

    @Test func aNetworkInUseSaysByWhomAndIsKeptUnlessForced() throws {
        #expect(try connection.networkUsers("labnet") == ["web1"])
        do {
            try connection.deleteNetwork("labnet")
            Issue.record("deleted a network in use")
        } catch {
            #expect("\(error)".contains("network 'labnet' is in use by web1"))
        }
        #expect(try connection.networks().contains { $0.name == "labnet" })
        // The dashboard's confirmation named other VMs than use it now: still refused.
        #expect(throws: NetworkInUse(network: "labnet", machines: ["web1"])) { try connection.deleteNetwork("labnet", confirmedUsers: ["db1"]) }
        try connection.deleteNetwork("labnet", confirmedUsers: ["web1"])
        #expect(try !connection.networks().contains { $0.name == "labnet" })
    }

    @Test func aMissingNetworkIsNamedWithWhatToRun() {
        do {
            try connection.startNetwork("nope")
            Issue.record("started a network that does not exist")
        } catch {
            #expect("\(error)" == "no network 'nope' on \(fixture.uri) (run 'virtlab net ls' to see them)")
        }
    }
}

/// NICs on the real daemon, on a shut-off guest's definition only: the network is defined but never started,
/// so no bridge is made and no packet is sent (the networks issue's namespace is where guests get links).
@Suite(.serialized, .tags(.guest)) struct NICOnRealDaemonTests {
    /// A defined (not started) test guest and an isolated network of its own, both removed afterwards.
    func withGuestAndNetwork(_ purpose: String, _ body: (Connection, Domain, String) async throws -> Void) async throws {
        let connection = try QEMUTestGuest.connect()
        let name = QEMUTestGuest.uniqueName(purpose)
        let network = "vltest-\(UUID().uuidString.prefix(6).lowercased())"
        defer {
            QEMUTestGuest.cleanUp(connection, name: name)
            try? connection.deleteNetwork(network, evenIfInUse: true)
        }
        try connection.defineNetwork(NetworkSpec(name: network, mode: .isolated), hostInterfaces: [], hostRoutes: [])
        try await body(connection, try connection.define(xml: QEMUTestGuest.domainXML(name: name)), network)
    }

    /// A running guest on a network that hands out no addresses: `virtlab vm ssh` waits as long as it was told,
    /// says what for, and gives up in one line (no packet is sent: there is no address to send it to).
    @Test func vmSSHWaitsForAnAddressAndSaysWhatItWaitedFor() async throws { try await withGuestAndNetwork("ssh") {
        connection, domain, network in
        let name = domain.name
        try connection.startNetwork(network)
        _ = try domain.attachNIC(network: network, model: "virtio", scope: .config)
        try domain.start()
        let result = try await Run.virtlab(["vm", "ssh", name, "--wait", "2", "--", "true"])
        let lines = result.stderr.split(whereSeparator: \.isNewline).map(String.init)
        #expect(result.status == 1)
        #expect(lines.first == "waiting up to 2 s for \(name)'s address (a DHCP lease or its guest agent)…", "\(lines)")
        #expect(lines.last == "virtlab: no address for VM '\(name)' after 2 s: no DHCP lease and no answer from its "
                + "guest agent; see 'virtlab net leases NET', or wait longer with --wait", "\(lines)")
    } }

    @Test func aNICIsAttachedToTheDefinitionAndDetachedByItsMAC() async throws { try await withGuestAndNetwork("nic") {
        connection, domain, network in
        let name = domain.name
        let before = try domain.details().nics.count
        let mac = try domain.attachNIC(network: network, model: "e1000", scope: .config)
        #expect(Domain.isValidMAC(mac) && mac.hasPrefix("52:54:00:"))
        let nic = try #require(try domain.details().nics.first { $0.mac == mac })
        #expect(nic.type == "network" && nic.source == network && nic.model == "e1000")
        #expect(try connection.networkUsers(network) == [name])
        try domain.detachNIC(mac: mac, scope: .config)
        #expect(try domain.details().nics.count == before)
        #expect(try connection.networkUsers(network).isEmpty)
        let missing = #expect(throws: Refusal.self) { try domain.detachNIC(mac: mac, scope: .config) }
        #expect(missing?.description.contains("has no NIC with MAC \(mac)") == true)
    } }
}
