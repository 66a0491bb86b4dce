import Foundation
import LabFormat
import LabGrader
import Pictures
@testable import TermUI
import Testing
import TestSupport
import TestTags
import VirtKit

/// An install from a bootable ISO, as a user does it: the install-from-iso lab's setup builds the ISO (this machine's
/// kernel, a busybox initramfs, GRUB), the dashboard's new-VM wizard makes the VM, and its installer's screen — white text on
/// blue with a red bar across row 12, in the VGA text mode — is checked in the PNG's pixels, in the cells virtlab
/// draws from it, and in the dashboard at 80x24, where Enter typed into the screen view reaches the guest: the
/// installer writes its disk and powers off.
@Suite(.serialized, .tags(.guest)) struct InstallFromISOTests {
    /// VGA's blue and red (the text mode's palette: 6 bits a channel, 42 of 63), and the xterm colours nearest to them.
    static let (blue, red): ((UInt8, UInt8, UInt8), (UInt8, UInt8, UInt8)) = ((0, 0, 168), (168, 0, 0))
    static let (blueIndex, redIndex): (UInt8, UInt8) = (19, 124)

    @Test func theWizardInstallsFromAnISOWhoseScreenIsSeenInPixelsAndCellsAndTypedInto() async throws {
        let lab = try #require(LabLoader.load(file: "\(Repository.labs)/install-from-iso.yaml").lab)
        let grader = Grader(lab: lab, student: "scr\(UUID().uuidString.prefix(6).lowercased())", libvirtURI: QEMUTestGuest.uri)
        let (name, iso) = try (#require(grader.context.parameters.values["vm"]), #require(grader.context.parameters.values["iso"]))
        let connection = try QEMUTestGuest.connect()
        for (step, outcome) in await grader.setUp() {
            try #require(outcome.status == 0 && !outcome.timedOut, "setup of \(step): \(outcome.stderr)")
        }
        do {
            try await watchAndType(name: name, iso: iso, connection: connection)
        } catch {
            Issue.record(error)
        }
        // The lab's cleanup: the VM, its disk and serial log, the ISO.
        _ = await grader.cleanUp()
        #expect((try? connection.domain(named: name)) == nil && !FileManager.default.fileExists(atPath: iso))
    }

    private func watchAndType(name: String, iso: String, connection: Connection) async throws {
        func virtlab(_ args: String...) async throws -> Run.Result { try await Run.virtlab(args + ["--uri", QEMUTestGuest.uri]) }
        // The dashboard at 80x24, in colour (swift test sets NO_COLOR for what it starts; without colour the screen view
        // draws characters). n: the new-VM wizard, from the ISO, Alpine's sizes named smaller.
        let session = try await TmuxSession([Run.virtlabBinary, "--uri", QEMUTestGuest.uri, "--delay", "0.5"],
                                            environment: ["NO_COLOR": ""])
        await expectScreen(session, contains: "Virtual machines")
        try await session.send("n")
        await expectScreen(session, contains: "New virtual machine")
        for (field, value) in [name, "iso", iso, "alpinelinux3.17", "256", "1"].enumerated() {
            if field > 0 { try await session.send("Tab") }
            if field != 1 { try await session.send(value, literal: true) }  // "iso" is there already
        }
        try await session.send("Enter")
        await expectScreen(session, contains: "created and started \(name)")
        let xml = try connection.domain(named: name).xml(inactive: true)
        #expect(xml.contains("<memory unit='KiB'>262144</memory>") && xml.contains("<source file='\(iso)'/>"), "\(xml)")
        let serialLog = "/var/log/libvirt/qemu/\(name)-serial.log"
        func serial() -> String { (try? String(contentsOfFile: serialLog, encoding: .utf8)) ?? "" }
        let waiting = await eventually(timeout: .seconds(300)) { serial().contains("press Enter") }
        try #require(waiting, "the installer did not come up: \(serial().suffix(500))")

        // The PNG's pixels: blue at the corners, the red bar across row 12 (pixels 176-191 of 9x16 cells), white text
        // in row 3 where the title is.
        let png = FileManager.default.temporaryDirectory.appendingPathComponent("\(name).png").path
        defer { try? FileManager.default.removeItem(atPath: png) }
        let saved = try await virtlab("vm", "screenshot", name, "-o", png)
        try #require(saved.status == 0, "\(saved.stderr)")
        let picture = try PNG.decode(try Data(contentsOf: URL(fileURLWithPath: png)))
        #expect(picture.width == 720 && picture.height == 400, "VGA text mode is 720x400: \(picture.width)x\(picture.height)")
        func pixel(_ x: Int, _ y: Int) -> (UInt8, UInt8, UInt8) {
            let at = (y * picture.width + x) * 3
            return (picture.rgb[at], picture.rgb[at + 1], picture.rgb[at + 2])
        }
        for (x, y) in [(4, 4), (715, 4), (4, 395), (715, 395), (360, 300)] { #expect(pixel(x, y) == Self.blue, "(\(x), \(y)) is \(pixel(x, y))") }
        for (x, y) in [(4, 184), (360, 180), (715, 190)] { #expect(pixel(x, y) == Self.red, "(\(x), \(y)) is \(pixel(x, y))") }
        let title = (32 ..< 48).flatMap { y in (18 ..< 220).map { pixel($0, y) } }
        #expect(title.contains { $0 == (255, 255, 255) }, "no white title text in row 3")

        // The cells drawn from it at 80x23: blue all round, red below the middle of the cell row that holds the bar.
        let (size, cells) = picture.cells(fitting: Size(width: 80, height: 23), .halfBlocks)
        #expect(size == Size(width: 80, height: 23))
        let blueCell = Cell("▀", Style(.indexed(Self.blueIndex), on: .indexed(Self.blueIndex)))
        #expect(cells.first == blueCell && cells.last == blueCell, "\(String(describing: cells.first)) … \(String(describing: cells.last))")
        let barRows = (0 ..< size.height).filter { row in (0 ..< size.width).allSatisfy { cells[row * size.width + $0].style.background == .indexed(Self.redIndex) } }
        #expect(barRows == [10], "the red bar is drawn in cell row \(barRows), not 10")

        // Back in the dashboard: v on the VM shows the same colours; Enter typed there goes to the installer.
        try await session.send("/")
        try await session.send(name, literal: true)
        try await session.send("Enter")
        await expectScreen(session, contains: "─ \(name) ─")
        try await session.send("v")
        var styled = ""
        let drawn = await eventually(timeout: .seconds(60)) {
            styled = await session.styledScreen()
            return styled.contains("▀") && styled.contains("5;\(Self.blueIndex)m") && styled.contains("5;\(Self.redIndex)m")
        }
        #expect(drawn, "the screen view shows no blue picture with a red bar:\n\(styled)")
        try await session.send("Enter")
        let installed = await eventually(timeout: .seconds(180)) { serial().contains("installed onto /dev/vda") }
        #expect(installed, "Enter typed in the screen view did not reach the installer: \(serial().suffix(300))")
        let off = await eventually(timeout: .seconds(120)) { try connection.domain(named: name).info().state == .shutOff }
        #expect(off, "the installer did not power the VM off")
        try await session.send("Escape")
        try await session.send("q")
        await expectScreen(session, contains: "VIRTLAB_EXIT=0")
    }

    /// The same installer over the network: its kernel and initramfs served by libvirt's own TFTP server (dnsmasq),
    /// GRUB's network image (grub-mknetdir) the DHCP boot file, and a VM made with `vm create --pxe` boots it from
    /// its NIC's PXE ROM, waits for Enter and installs.
    @Test func aPXEBootOnANetworkWithDHCPAndTFTPRunsTheInstaller() async throws {
        let lab = try #require(LabLoader.load(file: "\(Repository.labs)/install-from-iso.yaml").lab)
        let grader = Grader(lab: lab, student: "pxe\(UUID().uuidString.prefix(6).lowercased())", libvirtURI: QEMUTestGuest.uri)
        let (dir, iso) = try (#require(grader.context.parameters.values["dir"]), #require(grader.context.parameters.values["iso"]))
        let (vm, net) = (QEMUTestGuest.uniqueName("pxe"), "pxe-\(UUID().uuidString.prefix(6).lowercased())")
        let connection = try QEMUTestGuest.connect()
        for (step, outcome) in await grader.setUp() {
            try #require(outcome.status == 0 && !outcome.timedOut, "setup of \(step): \(outcome.stderr)")
        }
        let tftp = dir + "/tftp"
        do {
            // The ISO's /boot (kernel, initramfs, grub.cfg) is the TFTP tree; GRUB's PXE image is put beside it.
            for argv in [["xorriso", "-osirrox", "on", "-indev", iso, "-extract", "/boot", tftp + "/boot"],
                         ["chmod", "-R", "a+rX", tftp],
                         ["grub-mknetdir", "--net-directory=\(tftp)", "--subdir=boot/grub", "-d", "/usr/lib/grub/i386-pc"]] {
                let done = try await Run.command(argv)
                try #require(done.status == 0, "\(argv[0]): \(done.stderr)")
            }
            let xml = FileManager.default.temporaryDirectory.appendingPathComponent("\(net).xml").path
            try """
                <network><name>\(net)</name><ip address='192.168.227.1' netmask='255.255.255.0'><tftp root='\(tftp)'/>
                <dhcp><range start='192.168.227.10' end='192.168.227.20'/><bootp file='boot/grub/i386-pc/core.0'/></dhcp></ip></network>
                """.write(toFile: xml, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: xml) }
            let made = try await Run.command(["virsh", "-q", "-c", QEMUTestGuest.uri, "net-create", xml])
            try #require(made.status == 0, "\(made.stderr)")

            let created = try await Run.virtlab(["vm", "create", vm, "--pxe", net, "--os", "alpinelinux3.17", "--memory", "256",
                                                 "--disk-size", "1", "--uri", QEMUTestGuest.uri])
            try #require(created.status == 0, "\(created.stderr)")
            let serialLog = "/var/log/libvirt/qemu/\(vm)-serial.log"
            func serial() -> String { (try? String(contentsOfFile: serialLog, encoding: .utf8)) ?? "" }
            let waiting = await eventually(timeout: .seconds(300)) { serial().contains("press Enter") }
            try #require(waiting, "the installer did not come up over the network: \(serial().suffix(500))")
            let typed = try await Run.command(["virsh", "-q", "-c", QEMUTestGuest.uri, "send-key", vm, "KEY_ENTER"])
            #expect(typed.status == 0, "\(typed.stderr)")
            let installed = await eventually(timeout: .seconds(180)) { serial().contains("installed onto /dev/vda") }
            #expect(installed, "\(serial().suffix(300))")
        } catch {
            Issue.record(error)
        }
        QEMUTestGuest.cleanUp(connection, name: vm)
        for file in ["/var/lib/libvirt/images/\(vm).qcow2", "/var/log/libvirt/qemu/\(vm)-serial.log"] {
            try? FileManager.default.removeItem(atPath: file)
        }
        try? connection.stopNetwork(net)
        _ = await grader.cleanUp()
    }
}
