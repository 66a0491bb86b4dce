import Foundation
import Testing
import TestSupport
import TestTags
@testable import Services
@testable import VirtKit

/// `virtlab host devices` on a host described to libvirt's test driver: a GPU whose IOMMU group holds only its own
/// audio function and a bridge, one sharing its group with a network card, an SR-IOV network card and one of its
/// virtual functions, a GPU with mediated-device (vGPU) types, a USB stick, and the host bridge.
@Suite(.tags(.pure)) struct HostDevicesTests {
    static let host = """
        <node>
          <device><name>computer</name>
            <capability type='system'><hardware><vendor>virtlab</vendor><uuid>8f4c2a35-6a61-4bd3-9a6c-1f6f0c3c1d2e</uuid></hardware></capability>
          </device>
          \(pci("0000:00:00.0", class: "0x060000", vendor: ("0x8086", "Intel Corporation"), product: ("0x1237", "440FX"), group: 0, members: ["0000:00:00.0"]))
          \(pci("0000:00:01.0", class: "0x060400", vendor: ("0x8086", "Intel Corporation"), product: ("0x1901", "PCIe root port"), group: 1, members: ["0000:00:01.0", "0000:01:00.0", "0000:01:00.1"]))
          \(pci("0000:01:00.0", class: "0x030000", vendor: ("0x10de", "NVIDIA Corporation"), product: ("0x2684", "AD102 [GeForce RTX 4090]"), group: 1, members: ["0000:00:01.0", "0000:01:00.0", "0000:01:00.1"]))
          \(pci("0000:01:00.1", class: "0x040300", vendor: ("0x10de", "NVIDIA Corporation"), product: ("0x22ba", "AD102 audio"), group: 1, members: ["0000:00:01.0", "0000:01:00.0", "0000:01:00.1"]))
          \(pci("0000:02:00.0", class: "0x030200", vendor: ("0x10de", "NVIDIA Corporation"), product: ("0x2335", "GH100 [H200 SXM 141GB]"), group: 2, members: ["0000:02:00.0", "0000:03:00.0"],
                extra: "<capability type='mdev_types'><type id='nvidia-1000'><name>NVIDIA H200-4C</name><deviceAPI>vfio-pci</deviceAPI><availableInstances>35</availableInstances></type>"
                    + "<type id='nvidia-1001'><name>NVIDIA H200-141C</name><deviceAPI>vfio-pci</deviceAPI><availableInstances>0</availableInstances></type></capability>"))
          <device><name>mdev_4b20d080_1b54_4048_85b3_a6a62d165c01_0000_02_00_0</name><parent>pci_0000_02_00_0</parent>
            <capability type='mdev'><type id='nvidia-1000'/><uuid>4b20d080-1b54-4048-85b3-a6a62d165c01</uuid><iommuGroup number='20'/></capability>
          </device>
          \(pci("0000:03:00.0", class: "0x020000", vendor: ("0x8086", "Intel Corporation"), product: ("0x1533", "I210"), group: 2, members: ["0000:02:00.0", "0000:03:00.0"]))
          \(pci("0000:04:00.0", class: "0x020000", vendor: ("0x8086", "Intel Corporation"), product: ("0x1572", "X710 for 10GbE SFP+"), group: 4, members: ["0000:04:00.0"],
                extra: "<capability type='virt_functions' maxCount='64'><address domain='0x0000' bus='0x04' slot='0x02' function='0x0'/></capability>"))
          \(pci("0000:04:02.0", class: "0x020000", vendor: ("0x8086", "Intel Corporation"), product: ("0x154c", "X710 virtual function"), group: 5, members: ["0000:04:02.0"],
                extra: "<capability type='phys_function'><address domain='0x0000' bus='0x04' slot='0x00' function='0x0'/></capability>"))
          \(pci("0000:05:00.0", class: "0x030000", vendor: ("0x1002", "AMD"), product: ("0x744c", "Navi 31"), group: 6, members: ["0000:05:00.0", "0000:06:00.0"]))
          \(pci("0000:06:00.0", class: "0x010601", vendor: ("0x8086", "Intel Corporation"), product: ("0xa352", "SATA AHCI"), group: 6, members: ["0000:05:00.0", "0000:06:00.0"], driver: "ahci"))
          <device><name>usb_1_2</name><parent>computer</parent>
            <capability type='usb_device'><bus>1</bus><device>2</device>
              <product id='0x5567'>Cruzer Blade</product><vendor id='0x0781'>SanDisk Corp.</vendor></capability>
          </device>
          <domain type='test'><name>gpu-vm</name><memory>65536</memory><os><type>hvm</type></os>
            <devices><hostdev mode='subsystem' type='pci' managed='yes'><source>
              <address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></source></hostdev></devices></domain>
          <domain type='test'><name>other-vm</name><memory>65536</memory><os><type>hvm</type></os></domain>
        </node>
        """

    static func pci(_ address: String, class code: String, vendor: (String, String), product: (String, String), group: Int,
                    members: [String], extra: String = "", driver: String? = nil) -> String {
        let parts = address.split(whereSeparator: { $0 == ":" || $0 == "." }).map { Int($0, radix: 16) ?? 0 }
        let addresses = members.map { member in
            let m = member.split(whereSeparator: { $0 == ":" || $0 == "." }).map { Int($0, radix: 16) ?? 0 }
            return String(format: "<address domain='0x%04x' bus='0x%02x' slot='0x%02x' function='0x%x'/>", m[0], m[1], m[2], m[3])
        }.joined()
        return """
            <device><name>pci_\(address.replacingOccurrences(of: ":", with: "_").replacingOccurrences(of: ".", with: "_"))</name><parent>computer</parent>
              \(driver.map { "<driver><name>\($0)</name></driver>" } ?? "")
              <capability type='pci'><class>\(code)</class><domain>\(parts[0])</domain><bus>\(parts[1])</bus><slot>\(parts[2])</slot><function>\(parts[3])</function>
                <product id='\(product.0)'>\(product.1)</product><vendor id='\(vendor.0)'>\(vendor.1)</vendor>\(extra)
                <iommuGroup number='\(group)'>\(addresses)</iommuGroup></capability>
            </device>
            """
    }

    private func hostURI() throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("virtlab-host-devices-\(UUID().uuidString).xml").path
        try Self.host.write(toFile: file, atomically: true, encoding: .utf8)
        return "test://\(file)"
    }

    @Test func eachDeviceSaysWhetherItCanGoToAGuestAndWhy() async throws {
        let uri = try hostURI()
        let result = try await Run.virtlab(["host", "devices", "--uri", uri])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let row = { (address: String) in lines.first { $0.hasPrefix(address + " ") }?.split(separator: " ").last.map(String.init) }
        #expect(lines.first?.hasPrefix("ADDRESS ") == true && lines.first?.contains(" CLASS ") == true, "\(result.stdout)")
        #expect(row("0000:01:00.0") == "yes", "a GPU with only its audio and a root port in its group goes whole")
        #expect(row("0000:02:00.0") == "caution" && row("0000:00:01.0") == "no" && row("1:2") == "yes")
        #expect(lines.contains("0000:02:00.0: only with IOMMU group 2: 0000:03:00.0 must leave the host too; no driver holds it"),
                "\(result.stdout)")
        #expect(lines.contains(#"0000:02:00.0 splits: mdev nvidia-1000 "NVIDIA H200-4C", 35 available; mdev nvidia-1001 "NVIDIA H200-141C", 0 available"#),
                "\(result.stdout)")
        #expect(lines.contains("0000:04:00.0 splits: SR-IOV: 1 of 64 virtual functions"), "\(result.stdout)")
        #expect(row("0000:04:02.0") == "yes" && !lines.contains { $0.hasPrefix("0000:04:02.0:") })
        #expect(lines.contains("0000:00:00.0, 0000:00:01.0: a bridge: the host's own PCI plumbing"), "\(result.stdout)")
        #expect(lines.contains { $0.hasPrefix("1:2 ") && $0.contains("USB device") && $0.contains("SanDisk Corp. Cruzer Blade") })

        // Refused before libvirt is asked: a card another VM has in its definition.
        let taken = try await Run.virtlab(["vm", "hostdev", "attach", "other-vm", "01:00.0", "--uri", uri])
        expectOneLineError(taken, mentioning: ["0000:01:00.0 is given to the VM gpu-vm already: take it from there first "
                                               + "(virtlab vm hostdev detach gpu-vm 0000:01:00.0)"])

        let gpus = try await Run.virtlab(["host", "devices", "--gpu", "--json", "--uri", uri])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(gpus.stdout.utf8)) as? [[String: Any]])
        #expect(json.compactMap { ($0["device"] as? [String: Any])?["address"] as? String } == ["0000:01:00.0", "0000:02:00.0", "0000:05:00.0"])
        #expect(json.map { $0["passthrough"] as? String } == ["yes", "caution", "caution"])
        #expect(json.first?["reason"] as? String == "IOMMU group 1; no driver holds it")
        let types = (json.dropFirst().first?["device"] as? [String: Any])?["mediated_types"] as? [[String: Any]]
        #expect(types?.first?["available"] as? Int == 35)
    }

    /// A mediated device (a vGPU instance) is made only of a type its parent offers with an instance left; libvirt is
    /// asked for the rest (the test driver makes none: its refusal is one line). One already made is listed and goes
    /// to a VM as a `<hostdev type='mdev'>`.
    @Test func mediatedDevicesAreMadeOnlyWhereTheParentOffersTheType() async throws {
        let uri = try hostURI()
        func virtlab(_ args: String...) async throws -> Run.Result { try await Run.virtlab(args + ["--uri", uri]) }
        expectOneLineError(try await virtlab("host", "device", "create-mdev", "01:00.0", "nvidia-1000"),
                           mentioning: ["0000:01:00.0 offers no mediated devices (no mdev types"])
        expectOneLineError(try await virtlab("host", "device", "create-mdev", "02:00.0", "nvidia-9999"),
                           mentioning: ["0000:02:00.0 offers no mediated type nvidia-9999: it offers nvidia-1000 (NVIDIA H200-4C), "
                                        + "nvidia-1001 (NVIDIA H200-141C)"])
        expectOneLineError(try await virtlab("host", "device", "create-mdev", "02:00.0", "nvidia-1001"),
                           mentioning: ["no nvidia-1001 instance is left on 0000:02:00.0 (0 available)"])
        let uuid = "0b5e1f3c-0000-4000-8000-000000000001"
        let explained = try await virtlab("host", "device", "create-mdev", "02:00.0", "nvidia-1000", "--uuid", uuid, "--explain")
        #expect(explained.stdout == "virsh -c \(uri) nodedev-create mdev-\(uuid).xml\n", "\(explained.stdout)\(explained.stderr)")
        expectOneLineError(try await virtlab("host", "device", "create-mdev", "02:00.0", "nvidia-1000", "--uuid", uuid),
                           mentioning: ["libvirt could not make a nvidia-1000 mediated device on 0000:02:00.0: "])
        #expect(Connection.mediatedDeviceXML(parent: "pci_0000_02_00_0", type: "nvidia-1000", uuid: uuid)
                == "<device><parent>pci_0000_02_00_0</parent><capability type='mdev'><type id='nvidia-1000'/><uuid>\(uuid)</uuid></capability></device>")

        let listed = try await virtlab("host", "devices")
        let made = "4b20d080-1b54-4048-85b3-a6a62d165c01"
        #expect(listed.stdout.split(separator: "\n").contains { $0.hasPrefix(made) && $0.contains("mediated device")
                    && $0.contains("nvidia-1000 on pci_0000_02_00_0") && $0.hasSuffix("yes") }, "\(listed.stdout)")
        let mdev = try #require(try Connection(uri: uri).nodeDevices().first { $0.kind == .mdev })
        #expect(mdev.hostdevXML == "<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><address uuid='\(made)'/></source></hostdev>")
        expectOneLineError(try await virtlab("host", "device", "remove-mdev", "01:00.0"),
                           mentioning: ["0000:01:00.0 is not a mediated device"])
    }

    /// A card whose IOMMU group holds the storage controller the host's disks are on (its driver bound) cannot go: the
    /// disks would go with it. (libvirt's test driver drops a device's driver, so the rule is checked on parsed devices.)
    @Test func aGroupWithTheHostsDiskControllerIsNo() throws {
        let members = ["0000:05:00.0", "0000:06:00.0"]
        let devices = try [Self.pci("0000:05:00.0", class: "0x030000", vendor: ("0x1002", "AMD"), product: ("0x744c", "Navi 31"), group: 6, members: members),
                           Self.pci("0000:06:00.0", class: "0x010601", vendor: ("0x8086", "Intel"), product: ("0xa352", "SATA AHCI"), group: 6,
                                    members: members, driver: "ahci")].compactMap { try NodeDevice(xml: $0) }
        let card = try #require(HostDeviceAssessment.assess(devices).first { $0.device.address == "0000:05:00.0" })
        #expect(card.passthrough == .no && card.reason == "IOMMU group 6 holds the host's storage controller 0000:06:00.0 (ahci): "
                + "the host's disks would go with it; put the card in another slot", "\(card.reason)")
        let unbound = try devices.compactMap { device in
            try NodeDevice(xml: Self.pci(device.address, class: device.classCode ?? "", vendor: ("0x8086", "Intel"), product: ("0x1", "x"),
                                         group: 6, members: members))
        }
        #expect(HostDeviceAssessment.assess(unbound).first?.passthrough == .caution, "a controller no driver holds has no host disks on it")
    }

    /// With the IOMMU off, the one reason is said once for all the devices it holds for, with what to do.
    @Test func noIOMMUIsOneLineWithTheRemedy() async throws {
        let withoutGroups = Self.host.replacingOccurrences(of: #"<iommuGroup number='\d+'>.*?</iommuGroup>"#, with: "",
                                                           options: .regularExpression)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("virtlab-no-iommu-\(UUID().uuidString).xml").path
        try withoutGroups.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try await Run.virtlab(["host", "devices", "--gpu", "--uri", "test://\(file)"])
        #expect(result.stdout.contains("0000:01:00.0, 0000:02:00.0, 0000:05:00.0: the host's IOMMU is off (no IOMMU groups): turn on VT-d "
                                       + "or AMD-Vi in the firmware and boot with intel_iommu=on (or amd_iommu=on) iommu=pt"),
                "\(result.stdout)")
        let none = try await Run.virtlab(["host", "devices", "--gpu", "--uri", "test:///default"])
        #expect(none.status == 0 && none.stdout == "no GPU on test:///default: no display or 3D controller among its PCI devices\n",
                "\(none.stdout)\(none.stderr)")
    }
}

/// The real daemon: every PCI device under /sys is listed, with the driver the kernel gives it.
@Suite(.tags(.daemon)) struct HostDevicesOnRealDaemonTests {
    @Test func everyPCIDeviceOfThisMachineIsListedWithItsDriver() async throws {
        let result = try await Run.virtlab(["host", "devices", "--json", "--uri", "qemu:///system"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]])
        let listed = Dictionary(json.compactMap { entry -> (String, String)? in
            guard let device = entry["device"] as? [String: Any], device["kind"] as? String == "pci",
                  let address = device["address"] as? String else { return nil }
            return (address, device["driver"] as? String ?? "-")
        }) { first, _ in first }
        let sys = try FileManager.default.contentsOfDirectory(atPath: "/sys/bus/pci/devices").sorted()
        #expect(listed.keys.sorted() == sys)
        for address in sys {
            let driver = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/sys/bus/pci/devices/\(address)/driver"))
                .map { ($0 as NSString).lastPathComponent } ?? "-"
            #expect(listed[address] == driver, "\(address)")
        }
    }
}

/// Passthrough on the real daemon. These machines have no IOMMU, so giving a device to a VM is refused with the
/// reason and nothing changes — on the command line. The `<hostdev>` virtlab writes is proven by giving this
/// machine's network card to a shut-off VM's definition directly (libvirt accepts it there; the VM would not start
/// here) and taking it back.
@Suite(.serialized, .tags(.guest)) struct HostDevicePassthroughTests {
    @Test func withoutAnIOMMUPassthroughIsRefusedAndTheDefinitionTakesTheDeviceAndGivesItBack() async throws {
        let connection = try QEMUTestGuest.connect()
        let name = QEMUTestGuest.uniqueName("hostdev")
        defer { QEMUTestGuest.cleanUp(connection, name: name) }
        let domain = try connection.define(xml: QEMUTestGuest.domainXML(name: name))
        let card = try #require(try connection.nodeDevices().first { $0.kind == .pci && $0.classCode?.hasPrefix("0x02") == true },
                                "this machine has a network card on its PCI bus")
        func virtlab(_ args: String...) async throws -> Run.Result { try await Run.virtlab(args + ["--uri", QEMUTestGuest.uri]) }

        let given = try await virtlab("vm", "hostdev", "attach", name, card.address, "--config")
        expectOneLineError(given, mentioning: ["\(card.address) cannot be given to \(name): the host's IOMMU is off"])
        #expect(try !domain.xml(inactive: true).contains("<hostdev"), "nothing changed")
        let bound = try await virtlab("host", "device", "detach", card.name)
        expectOneLineError(bound, mentioning: ["\(card.address) cannot be bound to vfio-pci: the host's IOMMU is off"])
        let unknown = try await virtlab("vm", "hostdev", "attach", name, "99:00.0")
        expectOneLineError(unknown, mentioning: ["no host device '99:00.0' on qemu:///system"])
        let explained = try await virtlab("host", "device", "detach", card.name, "--explain")
        #expect(explained.stdout == "virsh -c qemu:///system nodedev-detach \(card.name) --driver vfio\n")

        // The dashboard's hardware dialog does it as an action of the table: refused the same way.
        let host = Hypervisor(connection)
        #expect { try host.perform(.attachHostDevice(card.address), on: try host.vm(named: name)) } throws: { error in
            "\(error)".contains("\(card.address) cannot be given to \(name): the host's IOMMU is off")
        }

        try domain.attachHostDevice(card, scope: .config)
        #expect(try domain.hostDevices() == ["pci \(card.address)"])
        let other = QEMUTestGuest.uniqueName("hostdev2")
        defer { QEMUTestGuest.cleanUp(connection, name: other) }
        _ = try connection.define(xml: QEMUTestGuest.domainXML(name: other))
        let twice = try await virtlab("vm", "hostdev", "detach", other, card.address, "--config")
        expectOneLineError(twice, mentioning: ["\(other) has no host device \(card.address)"])
        let takenBack = try await virtlab("vm", "hostdev", "detach", name, card.address, "--config")
        #expect(takenBack.status == 0 && takenBack.stdout.contains("took \(card.address) from \(name)"), "\(takenBack.stderr)")
        #expect(try domain.hostDevices().isEmpty)

        // A mediated device's <hostdev type='mdev'> goes into the definition and out again the same way (none can be
        // made here: nothing splits).
        let uuid = "4b20d080-1b54-4048-85b3-a6a62d165c01"
        let slice = NodeDevice(name: "mdev_\(uuid.replacingOccurrences(of: "-", with: "_"))_0000_02_00_0", kind: .mdev, address: uuid,
                               vendorID: "", vendor: nil, productID: "", product: nil, classCode: nil, driver: nil, iommuGroup: nil,
                               iommuGroupMembers: [], maxVirtualFunctions: nil, virtualFunctions: [], physicalFunction: nil,
                               mediatedTypes: [], parent: "pci_0000_02_00_0", mediatedType: "nvidia-1000")
        try domain.attachHostDevice(slice, scope: .config)
        #expect(try domain.hostDevices() == ["mdev \(uuid)"])
        try domain.detachHostDevice(slice, scope: .config)
        #expect(try domain.hostDevices().isEmpty)
    }

    /// The dashboard's Devices pane (9) on this machine: every PCI device with its verdict, and binding one refused
    /// with the reason before anything is asked.
    @Test func theDevicesPaneListsThisMachinesDevicesAndRefusesToBindWithoutAnIOMMU() async throws {
        let first = try #require(try FileManager.default.contentsOfDirectory(atPath: "/sys/bus/pci/devices").sorted().first)
        let session = try await TmuxSession([Run.virtlabBinary, "--uri", QEMUTestGuest.uri], width: 120, height: 30)
        await expectScreen(session, contains: "Virtual machines")
        try await session.send("9")
        await expectScreen(session, contains: "Devices of ")
        await expectRow(session, "\(first) listed with its verdict") { $0.contains(first) && $0.contains(" no ") }
        try await session.send("Down")  // past the host bridge, the first device
        await expectScreen(session, contains: "the host's IOMMU is off")
        try await session.send("b")
        await expectScreen(session, contains: "cannot be bound to vfio-pci: the host's IOMMU is off")
        try await session.send("q")
        await expectScreen(session, contains: "VIRTLAB_EXIT=0")
    }
}
