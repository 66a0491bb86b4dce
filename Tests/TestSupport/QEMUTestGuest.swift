import Foundation
import VirtKit

/// The real guest the integration tests boot on the real libvirtd: Debian's cloud kernel and a busybox
/// initramfs that `.ci/build-test-guest` makes (run by `make test`), under QEMU's TCG emulation.
public enum QEMUTestGuest {
    public static let uri = "qemu:///system"

    public static var assetDirectory: String {
        ProcessInfo.processInfo.environment["VIRTLAB_TEST_GUEST_DIR"] ?? "/var/cache/virtlab/test-guest"
    }

    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// Connects to the real daemon, or fails the test with what to do: these tests never skip quietly.
    public static func connect() throws -> Connection {
        for asset in ["vmlinuz", "initrd.gz"] where !FileManager.default.fileExists(atPath: "\(assetDirectory)/\(asset)") {
            throw Unavailable(description: "LOUD: test guest asset \(assetDirectory)/\(asset) is missing: "
                              + "run 'make test' (it runs .ci/build-test-guest)")
        }
        do {
            return try Connection(uri: uri)
        } catch {
            throw Unavailable(description: "LOUD: libvirtd is not reachable at \(uri) (\(error)): "
                              + "run 'make test' or .ci/start-services")
        }
    }

    /// A unique name, so parallel tests and leftovers of an earlier run never collide.
    public static func uniqueName(_ purpose: String) -> String {
        "vltest-\(purpose)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    public static func serialLogPath(for name: String) -> String { "/var/lib/libvirt/\(name)-serial.log" }

    /// Domain XML for a TCG guest that boots the test kernel, with a shell on its serial console (logged to a
    /// file too), and a
    /// user-mode NIC (no bridge needed) and optionally a qcow2 disk.
    public static func domainXML(name: String, uuid: String = UUID().uuidString.lowercased(),
                                 mac: String = TestDriverFixture.randomMAC(), diskPath: String? = nil) -> String {
        let disk = diskPath.map {
            """
                <disk type='file' device='disk'>
                  <driver name='qemu' type='qcow2'/>
                  <source file='\($0)'/>
                  <target dev='vda' bus='virtio'/>
                </disk>
            """
        } ?? ""
        return """
            <domain type='qemu'>
              <name>\(name)</name>
              <uuid>\(uuid)</uuid>
              <memory unit='MiB'>192</memory>
              <vcpu>1</vcpu>
              <os>
                <type arch='x86_64' machine='pc'>hvm</type>
                <kernel>\(assetDirectory)/vmlinuz</kernel>
                <initrd>\(assetDirectory)/initrd.gz</initrd>
                <cmdline>console=ttyS0 quiet</cmdline>
              </os>
              <on_poweroff>destroy</on_poweroff>
              <devices>
            \(disk)
                <interface type='user'>
                  <mac address='\(mac)'/>
                  <model type='virtio'/>
                </interface>
                <serial type='pty'>
                  <log file='\(serialLogPath(for: name))' append='off'/>
                  <target port='0'/>
                </serial>
                <console type='pty'><target type='serial' port='0'/></console>
              </devices>
            </domain>
            """
    }

    /// Creates an empty qcow2 image for a test domain's disk (removed by `cleanUp`).
    public static func makeDisk(name: String, size: String = "16M") throws -> String {
        let path = "/var/lib/libvirt/\(name).qcow2"
        let result = try Run.command(["qemu-img", "create", "-q", "-f", "qcow2", path, size])
        guard result.status == 0 else { throw Unavailable(description: "qemu-img create failed: \(result.stderr)") }
        return path
    }

    /// Forces off and undefines the domain, and removes its serial log and disk. Safe to call twice.
    public static func cleanUp(_ connection: Connection, name: String) {
        if let domain = try? connection.domain(named: name) {
            try? domain.forceOff()
            try? domain.undefine()
        }
        try? FileManager.default.removeItem(atPath: serialLogPath(for: name))
        try? FileManager.default.removeItem(atPath: "/var/lib/libvirt/\(name).qcow2")
    }
}

/// Polls until `condition` holds or `timeout` passes; returns whether it held.
public func eventually(timeout: Duration = .seconds(60), every interval: Duration = .milliseconds(250),
                       _ condition: () async throws -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if (try? await condition()) == true { return true }
        try? await Task.sleep(for: interval)
    }
    return (try? await condition()) == true
}
