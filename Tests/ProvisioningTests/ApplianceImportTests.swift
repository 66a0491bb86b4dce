import Foundation
import ImageKit
import Testing
import TestTags
import TestSupport
import VirtKit
@testable import Provisioning

/// An OVA the test builds: an OVF descriptor written here, and a VMDK made with qemu-img from a 512-byte boot
/// sector that prints one line on the serial console, so "it boots" is seen, not assumed.
struct TestAppliance {
    static let greeting = "virtlab appliance booted"
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "virtlab-ova-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// xor ax,ax; mov ds,ax; mov si,msg; mov dx,0x3f8; cld; next: lodsb; test al,al; jz done; out dx,al;
    /// jmp next; done: hlt; jmp done; msg: the greeting. Then the boot signature.
    static func bootSector() -> Data {
        var sector = Data([0x31, 0xC0, 0x8E, 0xD8, 0xBE, 0x16, 0x7C, 0xBA, 0xF8, 0x03, 0xFC, 0xAC, 0x84, 0xC0, 0x74, 0x03,
                           0xEE, 0xEB, 0xF8, 0xF4, 0xEB, 0xFD])
        sector += Data((greeting + "\r\n").utf8) + Data([0])
        sector += Data(count: 510 - sector.count) + Data([0x55, 0xAA])
        return sector
    }

    static func descriptor(disk: String = "disk1.vmdk", format: String = "http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized",
                           cpus: Int = 1, memory: String = "96", units: String = "byte * 2^20") -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"
          xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData">
          <References><File ovf:id="file1" ovf:href="\(disk)"/></References>
          <DiskSection><Info>Disks</Info><Disk ovf:diskId="vmdisk1" ovf:fileRef="file1" ovf:format="\(format)"/></DiskSection>
          <VirtualSystem ovf:id="tiny"><Info>A tiny appliance</Info><Name>tiny appliance</Name>
            <VirtualHardwareSection><Info>Hardware</Info>
              <Item><rasd:ResourceType>3</rasd:ResourceType><rasd:VirtualQuantity>\(cpus)</rasd:VirtualQuantity></Item>
              <Item><rasd:AllocationUnits>\(units)</rasd:AllocationUnits><rasd:ResourceType>4</rasd:ResourceType>
                <rasd:VirtualQuantity>\(memory)</rasd:VirtualQuantity></Item>
              <Item><rasd:HostResource>ovf:/disk/vmdisk1</rasd:HostResource><rasd:ResourceType>17</rasd:ResourceType></Item>
              <Item><rasd:Connection>lan</rasd:Connection><rasd:ResourceType>10</rasd:ResourceType></Item>
              <Item><rasd:Connection>lan</rasd:Connection><rasd:ResourceType>10</rasd:ResourceType></Item>
            </VirtualHardwareSection>
          </VirtualSystem>
        </Envelope>
        """
    }

    /// An OVA of `files` (name → contents), in that order.
    func ova(_ name: String, _ files: [(String, Data)]) throws -> String {
        for (file, contents) in files { try contents.write(to: URL(fileURLWithPath: "\(directory)/\(file)")) }
        let path = "\(directory)/\(name)"
        let tar = try Run.command(["tar", "-cf", path, "-C", directory] + files.map(\.0))
        guard tar.status == 0 else { throw QEMUTestGuest.Unavailable(description: "tar: \(tar.stderr)") }
        return path
    }

    /// The boot sector on an 8 MiB disk, as a streamOptimized VMDK (what VMware and VirtualBox export).
    func vmdk() throws -> Data {
        let raw = "\(directory)/boot.raw", vmdk = "\(directory)/boot.vmdk"
        try (Self.bootSector() + Data(count: 8 << 20 - 512)).write(to: URL(fileURLWithPath: raw))
        let made = try Run.command(["qemu-img", "convert", "-q", "-f", "raw", "-O", "vmdk", "-o", "subformat=streamOptimized", raw, vmdk])
        guard made.status == 0 else { throw QEMUTestGuest.Unavailable(description: "qemu-img: \(made.stderr)") }
        return try Data(contentsOf: URL(fileURLWithPath: vmdk))
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }

    /// tiny.ova: the descriptor and the booting VMDK.
    func tinyOVA() throws -> String {
        try ova("tiny.ova", [("tiny.ovf", Data(Self.descriptor().utf8)), ("disk1.vmdk", try vmdk())])
    }

    /// Where importing tiny.ova as `vm` puts its disk.
    static func convertedDisk(of vm: String) -> String { "/var/lib/libvirt/images/\(vm)-disk1.qcow2" }

    /// Removes this directory and the VM made from it, with its converted disk and serial log.
    func removeWith(vm: String, connection: Connection) {
        QEMUTestGuest.cleanUp(connection, name: vm)
        for file in [Self.convertedDisk(of: vm), SerialLog.path(of: vm)] { try? FileManager.default.removeItem(atPath: file) }
        remove()
    }
}

@Suite(.tags(.pure)) struct OVFDescriptorTests {
    @Test func theDescriptorGivesNameCPUsMemoryDisksAndNICs() throws {
        let ovf = try OVFDescriptor.parse(TestAppliance.descriptor(cpus: 2, memory: "1", units: "byte * 2^30"), source: "t.ovf")
        #expect(ovf == OVFDescriptor(name: "tiny appliance", cpus: 2, memoryMiB: 1024,
                                     disks: [.init(file: "disk1.vmdk", format: "vmdk")], nics: ["lan", "lan"]))
        #expect(try OVFDescriptor.parse(TestAppliance.descriptor(memory: "536870912", units: "byte"), source: "t").memoryMiB == 512)
    }

    @Test func whatIsNotAnApplianceIsSaidInOneLine() {
        let cases: [(String, String)] = [
            ("not xml at all", "t.ovf is not an OVF descriptor"),
            ("<domain><name>x</name></domain>", "t.ovf is not an OVF descriptor (it has no Envelope with a VirtualSystem)"),
            (TestAppliance.descriptor(format: "http://example.com/formats/fancy"),
             "t.ovf: disk disk1.vmdk has the format 'http://example.com/formats/fancy', which qemu-img does not read"),
            (TestAppliance.descriptor(memory: "0"), "t.ovf: the appliance says no memory size (ResourceType 4)"),
        ]
        for (text, message) in cases {
            #expect(throws: ProvisioningError.self) { try OVFDescriptor.parse(text, source: "t.ovf") }
            do { _ = try OVFDescriptor.parse(text, source: "t.ovf") } catch {
                #expect("\(error)".hasPrefix(message), "\(error)")
                #expect(!"\(error)".contains("\n"))
            }
        }
    }
}

/// `virtlab image import FILE.ova` on the real libvirtd: the VM it defines boots from the converted disk.
@Suite(.serialized, .tags(.guest)) struct ApplianceImportTests {
    @Test func anOVAImportsAsAVMThatBoots() async throws {
        let connection = try QEMUTestGuest.connect()
        let appliance = try TestAppliance()
        let name = QEMUTestGuest.uniqueName("ova")
        defer { appliance.removeWith(vm: name, connection: connection) }
        let (ova, disk) = (try appliance.tinyOVA(), TestAppliance.convertedDisk(of: name))

        let explained = try await Run.virtlab(["image", "import", ova, "--name", name, "--explain", "--uri", QEMUTestGuest.uri])
        #expect(explained.stdout.split(separator: "\n").contains {
            $0.hasPrefix("qemu-img convert -f vmdk -O qcow2 /var/lib/libvirt/images/.virtlab-import-\(name)/disk1.vmdk \(disk)")
        }, "\(explained.stdout)")
        #expect(explained.stdout.hasSuffix("virsh -c qemu:///system define \(name).xml\n"))
        #expect(!FileManager.default.fileExists(atPath: disk) && (try? connection.domain(named: name)) == nil, "--explain makes nothing")

        let imported = try await Run.virtlab(["image", "import", ova, "--name", name, "--start", "--uri", QEMUTestGuest.uri])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.hasPrefix("imported \(name) from tiny.ova: 1 vCPU, 96 MiB, 1 disk (qcow2: \(disk)), 2 NICs"))
        let details = try connection.domain(named: name).details()
        #expect(details.vcpus == 1 && details.maxMemoryKiB == 96 * 1024 && details.nics.count == 2)
        #expect(details.disks.map(\.format) == ["qcow2"] && details.disks.map(\.source) == [disk])
        let booted = await eventually(timeout: .seconds(60)) {
            ((try? String(contentsOfFile: SerialLog.path(of: name), encoding: .utf8)) ?? "").contains(TestAppliance.greeting)
        }
        #expect(booted, "the imported disk's boot sector ran")

        // Importing again never overwrites: the VM and its disk stay as they are.
        let before = try FileManager.default.attributesOfItem(atPath: disk)[.modificationDate] as? Date
        let again = try await Run.virtlab(["image", "import", ova, "--name", name, "--uri", QEMUTestGuest.uri])
        #expect(again.status == 1 && again.stderr.contains("a VM named \(name) already exists"))
        #expect(try FileManager.default.attributesOfItem(atPath: disk)[.modificationDate] as? Date == before)
    }

    /// An unpacked appliance: the descriptor with its disks beside it.
    @Test func anOVFWithItsDisksBesideItImportsToo() async throws {
        let connection = try QEMUTestGuest.connect()
        let appliance = try TestAppliance()
        defer { appliance.remove() }
        let name = QEMUTestGuest.uniqueName("ovf")
        let disk = "/var/lib/libvirt/images/\(name)-disk1.qcow2"
        defer {
            QEMUTestGuest.cleanUp(connection, name: name)
            try? FileManager.default.removeItem(atPath: disk)
        }
        try Data(TestAppliance.descriptor(cpus: 2).utf8).write(to: URL(fileURLWithPath: appliance.directory + "/tiny.ovf"))
        try appliance.vmdk().write(to: URL(fileURLWithPath: appliance.directory + "/disk1.vmdk"))
        let imported = try await Run.virtlab(["image", "import", appliance.directory + "/tiny.ovf", "--name", name,
                                              "--uri", QEMUTestGuest.uri])
        #expect(imported.status == 0, "\(imported.stderr)")
        let details = try connection.domain(named: name).details()
        #expect(details.vcpus == 2 && details.disks.map(\.source) == [disk])
        #expect(DiskImage.inspect(path: disk)?.format == "qcow2")
    }

    @Test func aFailedImportLeavesNothing() async throws {
        let connection = try QEMUTestGuest.connect()
        let appliance = try TestAppliance()
        defer { appliance.remove() }
        let name = QEMUTestGuest.uniqueName("badova")
        let descriptor = Data(TestAppliance.descriptor().utf8)
        let cases: [(String, [(String, Data)], String)] = [
            ("nodisk.ova", [("tiny.ovf", descriptor)], "names the disk disk1.vmdk, which is not in the archive"),
            ("notovf.ova", [("tiny.ovf", Data("<html>hello</html>".utf8))], "is not an OVF descriptor"),
            ("noovf.ova", [("readme.txt", Data("hi".utf8))], "is not an OVA: it holds no .ovf descriptor"),
            ("corrupt.ova", [("tiny.ovf", descriptor), ("disk1.vmdk", Data("not a vmdk".utf8))],
             "cannot convert disk1.vmdk (vmdk) to qcow2"),
        ]
        for (file, members, message) in cases {
            let ova = try appliance.ova(file, members)
            let result = try await Run.virtlab(["image", "import", ova, "--name", name, "--uri", QEMUTestGuest.uri])
            #expect(result.status == 1 && result.stdout.isEmpty, "\(file): \(result.stdout)")
            #expect(result.stderr.split(separator: "\n").count == 1 && result.stderr.contains(message), "\(file): \(result.stderr)")
            #expect((try? connection.domain(named: name)) == nil, "\(file): no VM is left")
            let left = (try? FileManager.default.contentsOfDirectory(atPath: "/var/lib/libvirt/images")) ?? []
            #expect(!left.contains { $0.hasPrefix(name) || $0.hasPrefix(".virtlab-import") }, "\(file): nothing is left: \(left)")
        }
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: appliance.directory + "/x.ova"))
        let notTar = try await Run.virtlab(["image", "import", appliance.directory + "/x.ova", "--uri", QEMUTestGuest.uri])
        #expect(notTar.stderr.contains("is not an OVA: it is not a tar archive"))
    }
}

/// A lab's environment may make a machine from an appliance: `lab up` converts the OVA's disks and defines the VM
/// as the lab declares it (memory, CPUs, its mark), which boots; `lab down` removes the converted disks.
@Suite(.tags(.guest)) struct ApplianceEnvironmentTests {
    @Test func aMachineFromAnOVABootsAndGoesWithLabDown() async throws {
        let connection = try QEMUTestGuest.connect()
        let appliance = try TestAppliance()
        let name = QEMUTestGuest.uniqueName("envova")
        defer { appliance.removeWith(vm: name, connection: connection) }
        let (ova, disk) = (try appliance.tinyOVA(), TestAppliance.convertedDisk(of: name))
        func write(ova: String) throws {
            try """
                id: \(name)
                title: An appliance as a lab's machine
                environment:
                  machines:
                    - {name: \(name), memory: 64M, ova: \(ova)}
                steps:
                  - {id: s, title: S, instructions: I, checks: [{id: c, title: C, domain: {name: \(name), state: running}}]}

                """.write(toFile: appliance.directory + "/\(name).yaml", atomically: true, encoding: .utf8)
        }
        func lab(_ verb: String, _ extra: String...) async throws -> Run.Result {
            try await Run.virtlab(["lab", verb, name, "--labs", appliance.directory, "--trust", "--uri", QEMUTestGuest.uri] + extra,
                                  environment: ["XDG_STATE_HOME": appliance.directory + "/state"])
        }

        try write(ova: appliance.directory + "/missing.ova")
        let refused = try await lab("up")
        #expect(refused.status == 1 && refused.stderr.contains("machine \(name): cannot read \(appliance.directory)/missing.ova"),
                "\(refused.stderr)")

        try write(ova: ova)
        let explained = try await lab("up", "--explain")
        #expect(explained.stdout.contains("qemu-img convert -f vmdk -O qcow2 /var/lib/libvirt/images/.virtlab-import-\(name)/disk1.vmdk \(disk)")
                && explained.stdout.contains("virsh -c qemu:///system define \(name).xml"), "\(explained.stdout)")
        let up = try await lab("up")
        #expect(up.status == 0 && up.stdout.contains("made VM \(name) (64 MiB, 1 vCPU, disk \(disk))")
                && up.stdout.contains("kept the baseline"), "\(up.stdout)\(up.stderr)")
        let (details, mark) = try await blocking {
            let domain = try connection.domain(named: name)
            return (try domain.details(), domain.labMark())
        }
        #expect(details.maxMemoryKiB == 64 * 1024 && details.disks.map(\.source) == [disk] && details.disks.map(\.format) == ["qcow2"])
        #expect(mark?.lab == name)
        let booted = await eventually(timeout: .seconds(120)) {
            ((try? String(contentsOfFile: SerialLog.path(of: name), encoding: .utf8)) ?? "").contains(TestAppliance.greeting)
        }
        #expect(booted, "the converted disk's boot sector ran")
        #expect(try await lab("status").stdout.contains("its one item is as declared"))

        let down = try await lab("down")
        #expect(down.status == 0 && down.stdout.contains("removed VM \(name) and its disk \(disk)"), "\(down.stdout)\(down.stderr)")
        #expect(!FileManager.default.fileExists(atPath: disk))
    }
}
