import Foundation
import VirtKit

/// Two real libvirt hosts on this machine (`.ci/two-hosts`): each a libvirtd with its own network and mount
/// namespace, joined by a veth pair, sharing `shared` as their shared storage. For migration and failover tests.
public final class TwoHosts: Sendable {
    public let directory: String
    public let a: String
    public let b: String
    public var shared: String { directory + "/shared" }
    static let script = Repository.root.path + "/.ci/two-hosts"

    private init(directory: String, a: String, b: String) {
        self.directory = directory
        self.a = a
        self.b = b
    }

    /// Starts both hosts, or fails the test loudly with why: these tests never skip quietly. `systemImagesOnA`: host
    /// a's /var/lib/libvirt/images is this machine's, where virtlab makes a lab's machines for it. `imagesOnBMiB`: host
    /// b's images directory is a file system that small, to be filled.
    public static func up(systemImagesOnA: Bool = false, imagesOnBMiB: Int? = nil) async throws -> TwoHosts {
        for asset in ["vmlinuz", "initrd.gz"] where !FileManager.default.fileExists(atPath: "\(QEMUTestGuest.assetDirectory)/\(asset)") {
            throw QEMUTestGuest.Unavailable(description: "LOUD: test guest asset \(QEMUTestGuest.assetDirectory)/\(asset) "
                                            + "is missing: run 'make test' (it runs .ci/build-test-guest)")
        }
        let directory = "/var/tmp/vl2h-\(UUID().uuidString.prefix(8).lowercased())"
        let options = (systemImagesOnA ? ["--system-images-on-a"] : []) + (imagesOnBMiB.map { ["--images-on-b-mib", "\($0)"] } ?? [])
        let result = try await Run.command([TwoHosts.script, "up", directory] + options)
        let uris = result.stdout.split(separator: "\n").map(String.init)
        guard result.status == 0, uris.count == 2 else {
            _ = try? await Run.command([TwoHosts.script, "down", directory])
            throw QEMUTestGuest.Unavailable(description: "LOUD: the two test hosts did not start (.ci/two-hosts up): "
                                            + result.stderr + result.stdout)
        }
        let hosts = TwoHosts(directory: directory, a: uris[0], b: uris[1])
        // The guest's kernel and initramfs of its own, on the shared storage: the system daemon's guests boot the
        // cached ones at the same time, and no daemon of the rig ever touches those.
        for asset in ["vmlinuz", "initrd.gz"] {
            try FileManager.default.copyItem(atPath: "\(QEMUTestGuest.assetDirectory)/\(asset)", toPath: "\(hosts.shared)/\(asset)")
        }
        return hosts
    }

    public func down() async { _ = try? await Run.command([TwoHosts.script, "down", directory]) }

    /// Kills everything a host runs at once, as a host that dies: its guests, its libvirtd, its lock daemon.
    public func kill(_ host: String) async {
        _ = try? await Run.command([TwoHosts.script, "kill-host", directory, host == a ? "a" : "b"])
    }

    /// Stops a host's libvirtd only: the daemon is lost, its guests run on and hold their disks.
    public func stopDaemon(of host: String) async {
        _ = try? await Run.command([TwoHosts.script, "stop-daemon", directory, host == a ? "a" : "b"])
    }

    /// Starts a stopped libvirtd again: it finds the guests that ran on without it.
    public func startDaemon(of host: String) async throws {
        let result = try await Run.command([TwoHosts.script, "start-daemon", directory, host == a ? "a" : "b"])
        guard result.status == 0 else {
            throw QEMUTestGuest.Unavailable(description: "LOUD: the daemon of \(host) did not start again: \(result.stderr)")
        }
    }

    /// A qcow2 disk of its own for a guest: on the shared storage, or on `host`'s own images directory.
    public func makeDisk(_ name: String, onlyOn host: String? = nil, size: String = "16M") async throws -> String {
        let path = host.map { "\(directory)/\($0 == a ? "a" : "b")/lib/images/\(name).qcow2" }
            ?? "\(shared)/\(name).qcow2"
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        let made = try await Run.command(["qemu-img", "create", "-q", "-f", "qcow2", path, size])
        guard made.status == 0 else { throw QEMUTestGuest.Unavailable(description: "qemu-img create failed: \(made.stderr)") }
        // The path each host sees the disk at: its own images directory is its /var/lib/libvirt/images.
        return host == nil ? path : "/var/lib/libvirt/images/\(name).qcow2"
    }

    /// The test guest (kernel and busybox initramfs, under TCG) with a disk, a NIC on `network` if given, else
    /// none, and its serial console logged on the shared storage (appended to on both hosts).
    public func guestXML(name: String, disk: String, memoryMiB: Int = 128, network: String? = nil) -> String {
        let nic = network.map { "<interface type='network'><source network='\($0)'/><model type='virtio'/></interface>" } ?? ""
        return """
            <domain type='qemu'>
              <name>\(name)</name>
              <memory unit='MiB'>\(memoryMiB)</memory>
              <vcpu>1</vcpu>
              <os>
                <type arch='x86_64' machine='pc'>hvm</type>
                <kernel>\(shared)/vmlinuz</kernel>
                <initrd>\(shared)/initrd.gz</initrd>
                <cmdline>console=ttyS0 quiet</cmdline>
              </os>
              <devices>
                <disk type='file' device='disk'>
                  <driver name='qemu' type='qcow2' cache='none'/>
                  <source file='\(disk)'/>
                  <target dev='vda' bus='virtio'/>
                </disk>
                \(nic)
                <serial type='pty'>
                  <log file='\(shared)/\(name)-serial.log' append='on'/>
                  <target port='0'/>
                </serial>
                <console type='pty'><target type='serial' port='0'/></console>
              </devices>
            </domain>
            """
    }

    public func serialLog(of name: String) -> String {
        (try? String(contentsOfFile: "\(shared)/\(name)-serial.log", encoding: .utf8)) ?? ""
    }
}
