import Foundation
import Testing
import TestTags
import TestSupport
import VirtKit

/// An admin's morning in the real dashboard on the real libvirtd: twenty VMs marked by a filter and reverted to
/// `clean` in one step, and a VM's vCPUs, memory and a new disk changed from the hardware dialog.
@Suite(.serialized, .tags(.guest)) struct AdministrationDashboardTests {
    @Test func twentyVMsMarkedByFilterAreRevertedInOneStep() async throws {
        let connection = try QEMUTestGuest.connect()
        let room = "vltest-room\(UUID().uuidString.prefix(4).lowercased())"
        let names = (1...20).map { "\(room)-\($0 < 10 ? "0" : "")\($0)" }
        defer { for name in names { QEMUTestGuest.cleanUp(connection, name: name) } }
        for name in names {
            _ = try connection.define(xml: QEMUTestGuest.domainXML(name: name, diskPath: try QEMUTestGuest.makeDisk(name: name)))
        }
        let made = try await Run.virtlab(["vm", "snapshot", "create", "--match", "\(room)-*", "clean", "--uri", QEMUTestGuest.uri])
        try #require(made.status == 0, "\(made.stderr)")
        // After the snapshot, each VM is changed: its definition asks for more memory.
        let changed = try await Run.virtlab(["vm", "set", names[0], "--memory", "256", "--uri", QEMUTestGuest.uri])
        #expect(changed.status == 0)
        for name in names.dropFirst() { _ = try connection.domain(named: name).setMemory(mebibytes: 256) }
        func memoryMiB(_ name: String) throws -> UInt64 {
            try DomainDetails(xml: connection.domain(named: name).xml(inactive: true), info: nil).maxMemoryKiB / 1024
        }
        #expect(try names.allSatisfy { try memoryMiB($0) == 256 })

        let session = try await TmuxSession([Run.virtlabBinary, "--uri", QEMUTestGuest.uri, "--delay", "0.5"], width: 120, height: 40)
        await expectScreen(session, contains: "\(room)-01")
        try await session.send("/")
        try await session.send(room, literal: true)
        try await session.send("Enter", "*")
        await expectScreen(session, contains: "20 marked")
        try await session.send("R")
        await expectScreen(session, contains: "Revert 20 VMs to")
        try await session.send("Enter")
        await expectScreen(session, contains: "Revert to snapshot 'clean': these 20 VMs?")
        try await session.send("y")
        #expect(await eventually(timeout: .seconds(90)) { try names.allSatisfy { try memoryMiB($0) == 192 } },
                "every VM is back to its snapshot's definition")
        await expectScreen(session, contains: "revert to snapshot 'clean': 20 of 20 VMs done", timeout: .seconds(60))
        try await session.send("Escape", "Escape", "7")
        await expectScreen(session, contains: "7 Log (20)")
        await expectScreen(session, contains: "virsh -c qemu:///system snapshot-revert \(names[19]) clean")
        try await session.send("q")
        await expectScreen(session, contains: "VIRTLAB_EXIT=0")
    }

    @Test func theHardwareDialogChangesAVM() async throws {
        let connection = try QEMUTestGuest.connect()
        let name = QEMUTestGuest.uniqueName("dlg")
        let newDisk = "/var/lib/libvirt/\(name)-vdb.qcow2"
        defer {
            QEMUTestGuest.cleanUp(connection, name: name)
            try? FileManager.default.removeItem(atPath: newDisk)
        }
        let domain = try connection.define(xml: QEMUTestGuest.domainXML(name: name, diskPath: try QEMUTestGuest.makeDisk(name: name)))
        let session = try await TmuxSession([Run.virtlabBinary, "--uri", QEMUTestGuest.uri, "--delay", "0.5"], width: 120, height: 40)
        await expectScreen(session, contains: "Virtual machines (")
        try await session.send("/")
        try await session.send(name, literal: true)
        try await session.send("Enter")
        // The detail box is this VM's, then its details are in (the dialog starts from them).
        await expectScreen(session, contains: "─ \(name) ─")
        await expectScreen(session, contains: "DISK vda")
        try await session.send("e")
        await expectScreen(session, contains: "Hardware of \(name)")
        try await session.send("BSpace")
        try await session.send("2", literal: true)
        try await session.send("Tab", "BSpace", "BSpace", "BSpace")
        try await session.send("256", literal: true)
        try await session.send("Tab", "Tab")
        try await session.send("1", literal: true)
        try await session.send("Enter")
        #expect(await eventually(timeout: .seconds(30)) {
            let xml = try domain.xml(inactive: true)
            return xml.contains("<vcpu placement='static'>2</vcpu>") && xml.contains("<memory unit='KiB'>262144</memory>")
                && xml.contains(newDisk)
        }, "\(String(describing: try? domain.xml(inactive: true)))")
        try await session.send("7")
        await expectScreen(session, contains: "virsh -c qemu:///system setvcpus \(name) 2 --config")
        await expectScreen(session, contains: "virsh -c qemu:///system setmem \(name) 256M --config")
        await expectScreen(session, contains: "qemu-img create -f qcow2 \(newDisk) 1G")
        try await session.send("q")
        await expectScreen(session, contains: "VIRTLAB_EXIT=0")
    }
}
