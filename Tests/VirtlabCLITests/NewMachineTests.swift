import Foundation
import Inventory
import Testing
import TestSupport
import TestTags
@testable import Services

/// An installer ISO made by genisoimage with the volume name `volume`, with an El Torito boot record whose boot image
/// is empty (bootable as far as a reader can tell, booting nothing: what is tested is how the VM is made and sized;
/// InstallFromISOTests installs from a real one), or without one.
func installerISO(volume: String, bootable: Bool = true) async throws -> String {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("virtlab-iso-\(UUID().uuidString.prefix(8))").path
    try FileManager.default.createDirectory(atPath: directory + "/root", withIntermediateDirectories: true)
    try "installer".write(toFile: directory + "/root/README", atomically: true, encoding: .utf8)
    try Data(count: 2048).write(to: URL(fileURLWithPath: directory + "/root/boot.img"))
    let boot = bootable ? ["-b", "boot.img", "-no-emul-boot", "-boot-load-size", "4"] : []
    let made = try await Run.command(["genisoimage", "-quiet", "-V", volume] + boot + ["-o", directory + "/installer.iso", directory + "/root"])
    guard made.status == 0 else { throw QEMUTestGuest.Unavailable(description: "genisoimage failed: \(made.stderr)") }
    return directory + "/installer.iso"
}

/// How a new VM is sized from osinfo-db: the OS detected from the ISO or named, its recommendations, never under its
/// minimum without a note, virtio only where it has the drivers, one vCPU under TCG.
@Suite(.tags(.pure)) struct NewMachinePlanTests {
    @Test func anInstallerISOIsKnownByItsVolumeNameAndSizedForItsOS() async throws {
        let iso = try await installerISO(volume: "Debian 11.5.0 amd64 n")
        defer { try? FileManager.default.removeItem(atPath: (iso as NSString).deletingLastPathComponent) }
        var request = NewMachine.Request(name: "web", source: .iso(iso))
        request.accelerator = .tcg
        let plan = try NewMachine.plan(request, catalog: try OSCatalog.installed(), uri: "qemu:///system")
        #expect(plan.os?.shortID == "debian11" && plan.osSource == "detected from the volume name 'Debian 11.5.0 amd64 n'")
        #expect(plan.spec.memoryMiB == 1024 && plan.spec.vcpus == 1 && plan.spec.diskGiB == 20 && plan.spec.virtio)
        #expect(plan.notes.isEmpty, "\(plan.notes)")
        #expect(ShellWords.line(plan.virtInstall(uri: "qemu:///system")) == "virt-install --connect qemu:///system --name web "
                + "--memory 1024 --vcpus 1 --osinfo debian11 --virt-type qemu --cdrom \(iso) --disk "
                + "path=/var/lib/libvirt/images/web.qcow2,size=20,format=qcow2,bus=virtio --network user,model=virtio "
                + "--graphics vnc,listen=none --serial pty,log.file=/var/log/libvirt/qemu/web-serial.log --noautoconsole")

        request.memoryMiB = 512
        let small = try NewMachine.plan(request, catalog: try OSCatalog.installed(), uri: "qemu:///system")
        #expect(small.notes == ["512 MiB is under Debian 11's minimum of 1 GiB: it may not install or boot"])

        // A boot order of the user's own: in the definition and on the virt-install line; a device the VM lacks,
        // an unknown one or one named twice, refused in one line.
        request.bootOrder = ["hd", "cdrom"]
        let ordered = try NewMachine.plan(request, catalog: try OSCatalog.installed(), uri: "qemu:///system")
        #expect(ShellWords.line(ordered.virtInstall(uri: "qemu:///system")).contains("--boot hd,cdrom --graphics"))
        for (order, said) in [(["floppy"], "--boot: 'floppy' is no boot device; use hd, cdrom, network, comma-separated"),
                              (["hd", "hd"], "--boot names a device twice: hd,hd"), ([], "--boot names no device")] {
            request.bootOrder = order
            #expect(throws: UserFacingError.self) { try NewMachine.plan(request, catalog: try OSCatalog.installed(), uri: "qemu:///system") }
            do { _ = try NewMachine.plan(request, catalog: try OSCatalog.installed(), uri: "qemu:///system") } catch {
                #expect("\(error)".hasPrefix(said), "\(error)")
            }
        }
        var imported = NewMachine.Request(name: "web", source: .importDisk("/d.qcow2"))
        imported.bootOrder = ["cdrom", "hd"]
        #expect(throws: UserFacingError.self) { try NewMachine.plan(imported, catalog: try OSCatalog.installed(), uri: "qemu:///system") }
    }

    @Test func anOSWithoutVirtioDriversGetsSATAAndE1000eAndTCGOneVCPU() throws {
        var request = NewMachine.Request(name: "win", source: .pxe(network: "lab"))
        (request.os, request.accelerator, request.uefi) = ("win11", .tcg, true)
        let plan = try NewMachine.plan(request, catalog: try OSCatalog.installed(), uri: "qemu:///system")
        #expect(!plan.spec.virtio && plan.spec.memoryMiB == 4096 && plan.spec.diskGiB >= 40 && plan.spec.vcpus == 1)
        #expect(plan.notes == ["1 vCPU under TCG emulation, though Microsoft Windows 11 recommends 2 (--vcpus to change)"])
        let line = ShellWords.line(plan.virtInstall(uri: "qemu:///system"))
        #expect(line.contains("--pxe --disk path=/var/lib/libvirt/images/win.qcow2,size=\(plan.spec.diskGiB),format=qcow2,bus=sata")
                && line.contains("--network network=lab,model=e1000e --boot uefi"), "\(line)")
        request.accelerator = .kvm
        #expect(try NewMachine.plan(request, catalog: try OSCatalog.installed(), uri: "qemu:///system").spec.vcpus == 2)
    }

    @Test func unknownMediaAndNamesAreSaid() async throws {
        let catalog = try OSCatalog.installed()
        let iso = try await installerISO(volume: "MY_OWN_DISC")
        defer { try? FileManager.default.removeItem(atPath: (iso as NSString).deletingLastPathComponent) }
        let unknown = try NewMachine.plan(NewMachine.Request(name: "x", source: .iso(iso)), catalog: catalog, uri: "qemu:///system")
        #expect(unknown.os == nil && unknown.spec.virtio && unknown.notes
                == ["osinfo-db knows no OS by the volume name 'MY_OWN_DISC': generic sizes (1 GiB, 20 GiB, virtio); name it with --os ID"])
        var named = NewMachine.Request(name: "x", source: .iso(iso))
        named.os = "debian99"
        #expect(throws: UserFacingError.self) { try NewMachine.plan(named, catalog: catalog, uri: "qemu:///system") }
        let unbootable = try await installerISO(volume: "Debian 11.5.0 amd64 n", bootable: false)
        defer { try? FileManager.default.removeItem(atPath: (unbootable as NSString).deletingLastPathComponent) }
        let noBoot = try NewMachine.plan(NewMachine.Request(name: "x", source: .iso(unbootable)), catalog: catalog, uri: "qemu:///system")
        #expect(noBoot.notes == ["\(unbootable) has no El Torito boot record: the VM will not boot from it (an installer ISO is bootable)"])
        let notISO = NewMachine.Request(name: "x", source: .iso(#filePath))
        #expect(throws: UserFacingError.self) { try NewMachine.plan(notISO, catalog: catalog, uri: "qemu:///system") }
    }
}

/// `vm create --iso` and `--import` on the real daemon: the VM defined and running as planned (boot order, buses,
/// NIC model, a screen), and bad input refused in one line with nothing made.
@Suite(.serialized, .tags(.guest)) struct NewMachineOnRealDaemonTests {
    @Test func aVMFromAnISOAndOneFromADiskAreMadeAsPlanned() async throws {
        let connection = try QEMUTestGuest.connect()
        let iso = try await installerISO(volume: "Debian 11.5.0 amd64 n")
        let (fromISO, fromDisk) = (QEMUTestGuest.uniqueName("iso"), QEMUTestGuest.uniqueName("import"))
        let disk = try QEMUTestGuest.makeDisk(name: fromDisk)
        defer {
            for name in [fromISO, fromDisk] { QEMUTestGuest.cleanUp(connection, name: name) }
            try? FileManager.default.removeItem(atPath: "/var/lib/libvirt/images/\(fromISO).qcow2")
            try? FileManager.default.removeItem(atPath: (iso as NSString).deletingLastPathComponent)
        }
        func virtlab(_ args: String...) async throws -> Run.Result { try await Run.virtlab(args + ["--uri", QEMUTestGuest.uri]) }

        let made = try await virtlab("vm", "create", fromISO, "--iso", iso, "--accel", "tcg")
        #expect(made.status == 0 && made.stdout.hasPrefix("created and started \(fromISO) (TCG emulation) from \(iso): Debian 11 "
                                                          + "(debian11, detected from the volume name 'Debian 11.5.0 amd64 n')"),
                "\(made.stdout)\(made.stderr)")
        let xml = try connection.domain(named: fromISO).xml(inactive: true)
        for part in ["<memory unit='KiB'>1048576</memory>", "<boot dev='cdrom'/>\n    <boot dev='hd'/>", "<target dev='vda' bus='virtio'/>",
                     "<source file='\(iso)'/>", "<model type='virtio'/>", "<graphics type='vnc'>"] {
            #expect(xml.contains(part), "\(part) not in \(xml)")
        }
        #expect(try connection.domain(named: fromISO).info().state == .running)
        let seen = await eventually(timeout: .seconds(60)) {
            try await virtlab("vm", "screenshot", fromISO, "-o", "/dev/null/x.png").stderr.contains("cannot write")
        }
        #expect(seen, "the new VM has a screen to take a picture of")

        let clash = try await virtlab("vm", "create", fromISO, "--iso", iso)
        expectOneLineError(clash, mentioning: ["a VM named \(fromISO) already exists; pick another name"])
        let missing = try await virtlab("vm", "create", "\(fromISO)-2", "--iso", "/nonexistent/installer.iso")
        expectOneLineError(missing, mentioning: ["no ISO image at /nonexistent/installer.iso"])
        #expect(!FileManager.default.fileExists(atPath: "/var/lib/libvirt/images/\(fromISO)-2.qcow2"), "nothing was made")

        // UEFI: OVMF's firmware and a variable store of the VM's own.
        let uefi = QEMUTestGuest.uniqueName("uefi")
        defer {
            QEMUTestGuest.cleanUp(connection, name: uefi)
            try? FileManager.default.removeItem(atPath: "/var/lib/libvirt/images/\(uefi).qcow2")
        }
        let firmware = try await virtlab("vm", "create", uefi, "--iso", iso, "--uefi", "--accel", "tcg", "--memory", "1024",
                                         "--boot", "hd,cdrom")
        #expect(firmware.status == 0 && firmware.stdout.contains("UEFI, disk"), "\(firmware.stdout)\(firmware.stderr)")
        #expect(try connection.domain(named: uefi).xml(inactive: true).contains("<boot dev='hd'/>\n    <boot dev='cdrom'/>"),
                "the boot order asked for")
        let live = try connection.domain(named: uefi).xml()
        #expect(live.contains("/usr/share/OVMF/OVMF_CODE") && live.contains("<nvram"), "\(live)")

        // An OS without virtio drivers: its disk on SATA, an e1000e NIC, booted from the disk as it is.
        let imported = try await virtlab("vm", "create", fromDisk, "--import", disk, "--os", "win10", "--accel", "tcg", "--memory", "256")
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stderr.contains("note: 256 MiB is under Microsoft Windows 10's minimum of 2 GiB"), "\(imported.stderr)")
        let windows = try connection.domain(named: fromDisk).xml(inactive: true)
        for part in ["<target dev='sda' bus='sata'/>", "<model type='e1000e'/>", "<boot dev='hd'/>", "<source file='\(disk)'/>"] {
            #expect(windows.contains(part), "\(part) not in \(windows)")
        }
        // The same disk again: a second VM writing it would corrupt it. Refused, nothing defined.
        let twice = try await virtlab("vm", "create", "\(fromDisk)-2", "--import", disk, "--os", "win10", "--accel", "tcg")
        expectOneLineError(twice, mentioning: ["\(disk) is the disk of the VM \(fromDisk): two VMs writing one disk corrupt it",
                                               "virtlab vm clone \(fromDisk) \(fromDisk)-2"])
        #expect((try? connection.domain(named: "\(fromDisk)-2")) == nil)
    }

    /// A PXE boot on a network libvirt serves needs its DHCP to hand out an address and a boot file: without either,
    /// one line naming what to add, and nothing made. With both, the VM boots the network first.
    @Test func aPXEBootNeedsDHCPAndABootFileOnTheNetwork() async throws {
        let connection = try QEMUTestGuest.connect()
        let (vm, net) = (QEMUTestGuest.uniqueName("pxe"), "pxe-\(UUID().uuidString.prefix(6).lowercased())")
        func virtlab(_ args: String...) async throws -> Run.Result { try await Run.virtlab(args + ["--uri", QEMUTestGuest.uri]) }
        func network(_ dhcp: String) async throws {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(net).xml").path
            try "<network><name>\(net)</name><ip address='192.168.228.1' netmask='255.255.255.0'>\(dhcp)</ip></network>"
                .write(toFile: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: file) }
            _ = try? await Run.command(["virsh", "-q", "-c", QEMUTestGuest.uri, "net-destroy", net])
            let made = try await Run.command(["virsh", "-q", "-c", QEMUTestGuest.uri, "net-create", file])
            try #require(made.status == 0, "\(made.stderr)")
        }
        defer {
            QEMUTestGuest.cleanUp(connection, name: vm)
            try? FileManager.default.removeItem(atPath: "/var/lib/libvirt/images/\(vm).qcow2")
            try? connection.stopNetwork(net)  // transient: stopped, it is gone
        }
        func expectNothingMade() {
            #expect((try? connection.domain(named: vm)) == nil)
            #expect(!FileManager.default.fileExists(atPath: "/var/lib/libvirt/images/\(vm).qcow2"))
        }

        try await network("")
        let noDHCP = try await virtlab("vm", "create", vm, "--pxe", net, "--os", "debian11", "--accel", "tcg", "--memory", "256")
        expectOneLineError(noDHCP, mentioning: ["network \(net) has no DHCP server, so a PXE boot gets no address",
                                                "<bootp file='pxelinux.0'/>", "virsh net-edit \(net)"])
        expectNothingMade()

        try await network("<dhcp><range start='192.168.228.10' end='192.168.228.20'/></dhcp>")
        let noBootFile = try await virtlab("vm", "create", vm, "--pxe", net, "--os", "debian11", "--accel", "tcg", "--memory", "256")
        expectOneLineError(noBootFile, mentioning: ["network \(net)'s DHCP names no boot file, so a PXE boot finds nothing to load"])
        expectNothingMade()

        let tftp = FileManager.default.temporaryDirectory.appendingPathComponent(net).path
        try FileManager.default.createDirectory(atPath: tftp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: tftp) }
        try await network("<tftp root='\(tftp)'/><dhcp><range start='192.168.228.10' end='192.168.228.20'/><bootp file='pxelinux.0'/></dhcp>")
        let made = try await virtlab("vm", "create", vm, "--pxe", net, "--os", "debian11", "--accel", "tcg", "--memory", "256")
        #expect(made.status == 0, "\(made.stderr)")
        let xml = try connection.domain(named: vm).xml(inactive: true)
        #expect(xml.contains("<boot dev='network'/>\n    <boot dev='hd'/>") && xml.contains("<source network='\(net)'/>"), "\(xml)")
    }
}
