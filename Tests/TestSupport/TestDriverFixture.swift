import Foundation

/// Writes a libvirt test-driver node file to a unique temporary path, so each test gets a private hypervisor
/// (`test:///ABSOLUTE/PATH.xml`) that no parallel test shares.
public struct TestDriverFixture {
    public struct VM {
        public var name: String
        public var uuid: String
        public var memoryMiB: Int
        public var currentMemoryMiB: Int
        public var vcpus: Int
        public var running: Bool
        public var mac: String

        public init(name: String, uuid: String = UUID().uuidString.lowercased(), memoryMiB: Int = 512,
                    currentMemoryMiB: Int? = nil, vcpus: Int = 1, running: Bool = true,
                    mac: String = TestDriverFixture.randomMAC()) {
            self.name = name
            self.uuid = uuid
            self.memoryMiB = memoryMiB
            self.currentMemoryMiB = currentMemoryMiB ?? memoryMiB
            self.vcpus = vcpus
            self.running = running
            self.mac = mac
        }
    }

    public let path: String
    public var uri: String { "test://\(path)" }

    public init(vms: [VM], withNetworkAndPool: Bool = true) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("virtlab-fixtures", isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        path = dir.appendingPathComponent("node-\(UUID().uuidString).xml").path
        var xml = "<node>\n"
        for vm in vms { xml += Self.domainXML(vm) }
        if withNetworkAndPool {
            xml += """
              <network>
                <name>labnet</name>
                <bridge name='virbr9'/>
                <forward mode='nat'/>
                <ip address='192.168.150.1' netmask='255.255.255.0'>
                  <dhcp><range start='192.168.150.2' end='192.168.150.254'/></dhcp>
                </ip>
              </network>
              <pool type='dir'>
                <name>labpool</name>
                <capacity unit='GiB'>100</capacity>
                <allocation unit='GiB'>20</allocation>
                <available unit='GiB'>80</available>
                <target><path>/var/lib/virtlab-test/pool</path></target>
                <volume type='file'>
                  <name>base.qcow2</name>
                  <capacity unit='GiB'>10</capacity>
                  <allocation unit='GiB'>2</allocation>
                  <target><format type='qcow2'/></target>
                </volume>
              </pool>

            """
        }
        xml += "</node>\n"
        try xml.write(toFile: path, atomically: true, encoding: .utf8)
    }

    public static func domainXML(_ vm: VM) -> String {
        // A test may name a VM `it's` or `a<b`: the name is XML text, escaped.
        let name = vm.name.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: "'", with: "&apos;")
        return """
          <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
            <name>\(name)</name>
            <uuid>\(vm.uuid)</uuid>
            <memory unit='MiB'>\(vm.memoryMiB)</memory>
            <currentMemory unit='MiB'>\(vm.currentMemoryMiB)</currentMemory>
            <vcpu>\(vm.vcpus)</vcpu>
            <os><type arch='x86_64'>hvm</type></os>
            <devices>
              <disk type='file' device='disk'>
                <driver name='qemu' type='qcow2'/>
                <source file='/var/lib/virtlab-test/\(name).qcow2'/>
                <target dev='vda' bus='virtio'/>
              </disk>
              <interface type='network'>
                <mac address='\(vm.mac)'/>
                <source network='labnet'/>
                <model type='virtio'/>
              </interface>
            </devices>
            <test:runstate>\(vm.running ? 1 : 5)</test:runstate>
          </domain>

        """
    }

    public static func randomMAC() -> String {
        "52:54:00:" + (0..<3).map { _ in String(format: "%02x", Int.random(in: 0...255)) }.joined(separator: ":")
    }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}
