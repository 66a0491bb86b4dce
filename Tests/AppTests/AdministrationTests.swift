import Foundation
import Inventory
import Testing
import TestTags
import TermUI
@testable import App

/// Host administration in the dashboard: marks and one action for all, the Log with each action's command, the
/// hardware dialog, the snapshot tree, per-device numbers, the guest agent's view and the history chart.
@Suite(.tags(.pure)) struct AdministrationTests {
    let build = MachineRef(DashboardFixture.key(DashboardFixture.build), "build")
    let db1 = MachineRef(DashboardFixture.key(DashboardFixture.db1), "db1")
    let web1 = MachineRef(DashboardFixture.key(DashboardFixture.web1), "web1")

    func press(_ state: inout AppState, _ keys: Key...) -> [Effect] { keys.flatMap { update(&state, .key($0)) } }

    func screen(_ state: AppState, _ width: Int = 80, _ height: Int = 24) -> Buffer {
        view(state, size: Size(width: width, height: height), theme: .builtIn, glyphs: .unicode)
    }

    @Test func spaceMarksAndOneActionGoesToEveryMarkedVMTheTableAllows() {
        var state = DashboardFixture.state()  // build (shut off), db1 (paused), web1 (running)
        _ = press(&state, .character(" "), .character(" "), .character(" "))
        #expect(state.marked.count == 3)
        #expect(screen(state).text.contains("3 marked"))
        #expect(press(&state, .character("d")).isEmpty, "shutting down several always asks")
        guard let confirm = state.modal as? ConfirmManyDialog, confirm.action == .shutdown else {
            Issue.record("expected the bulk confirmation, got \(String(describing: state.modal))")
            return
        }
        let refused = confirm.refused
        #expect(confirm.targets == [db1, web1])
        #expect(refused == [MachineRefusal(machine: build, reason: "cannot shut down 'build': it is shut off")])
        #expect(screen(state).text.contains("Left out (1): build"))
        #expect(press(&state, .character("y")) == [.performMany(.shutdown, [db1, web1], refused: refused)])
        #expect(state.marked.count == 3, "marks stay for the next action; Esc clears them")
        _ = press(&state, .escape)
        #expect(state.marked.isEmpty)
    }

    @Test func markByFilterThenRevertToOneSnapshotName() {
        var state = DashboardFixture.state()
        _ = press(&state, .character("/"), .character("b"), .character("1"), .enter)  // db1, web1
        _ = press(&state, .character("*"))
        #expect(Set(state.marked.values) == ["db1", "web1"])
        #expect(press(&state, .character("R")) == [.listSnapshots([db1, web1])])
        let clean = SnapshotNode(name: "clean", parent: nil, isCurrent: false, isExternal: false, state: "running",
                                 created: nil, description: nil)
        let other = SnapshotNode(name: "db1-only", parent: nil, isCurrent: true, isExternal: false, state: "running",
                                 created: nil, description: nil)
        _ = update(&state, .snapshotsListed([db1, web1], [[clean, other], [clean]]))
        _ = press(&state, .enter)
        guard let confirm = state.modal as? ConfirmManyDialog, confirm.action == .revertSnapshot("clean"), confirm.targets == [db1, web1] else {
            Issue.record("revert asks once for all: \(String(describing: state.modal))")
            return
        }
        #expect(press(&state, .character("y")) == [.performMany(.revertSnapshot("clean"), [db1, web1], refused: [])])
        _ = press(&state, .character("*"))
        #expect(state.marked.isEmpty, "* again unmarks what the filter shows")
    }

    @Test func aMarkedVMThatVanishedIsStillAskedForSoItIsReportedByName() {
        var state = DashboardFixture.state()
        _ = press(&state, .character("G"), .character(" "))  // web1
        _ = press(&state, .character("g"), .character(" "))  // build
        let later = DashboardFixture.snapshot(at: 14, scale: 3)
        _ = update(&state, .snapshot(InventorySnapshot(connection: later.connection, hypervisor: later.hypervisor, time: later.time,
                                                       host: later.host, machines: later.machines.filter { $0.name != "web1" },
                                                       images: [])))
        _ = press(&state, .character("t"))
        for character in "before" { _ = press(&state, .character(character)) }
        #expect(press(&state, .enter) == [.performMany(.createSnapshot("before"), [build, web1], refused: [])])
    }

    @Test func deletingSeveralAsksToTypeHowMany() {
        var state = DashboardFixture.state()
        _ = press(&state, .character(" "), .character(" "), .character("D"))
        #expect(screen(state).text.contains("Delete 2 VMs"))
        #expect(press(&state, .character("b"), .enter).isEmpty)
        #expect(state.status?.text == "type the number of VMs (2) to delete")
        _ = press(&state, .backspace, .character("2"))
        #expect(press(&state, .enter) == [.performMany(.delete(removeStorage: false), [build, db1], refused: [])])
    }

    @Test func everyActionIsLoggedWithItsCommandAndTheLogPaneShowsIt() throws {
        var state = DashboardFixture.state()
        let effect = Effect.perform(.setVCPUs(2, live: true), web1.key, name: "web1")
        let logged = try #require(effect.logged(uri: state.uri))
        #expect(logged.command == "virsh -c qemu:///system setvcpus web1 2 --config --live")
        #expect(Effect.performOnContainer(.stop, web1.key, name: "api").logged(uri: state.uri)?.command == "podman stop api")
        #expect(Effect.performOnNetwork(.autostart(false), name: "lab").logged(uri: state.uri)?.command
                == "virsh -c qemu:///system net-autostart lab --disable")
        #expect(Effect.fetchXML(web1.key, name: "web1").logged(uri: state.uri) == nil, "reading changes nothing")
        let time = Date(timeIntervalSince1970: 1_764_000_000)
        _ = update(&state, .logged(ActionRecord(time: time, connection: state.uri, what: logged.what, command: logged.command,
                                                outcome: .done("set the vCPUs of web1 to 2, now and from the next boot"))))
        _ = update(&state, .logged(ActionRecord(time: time, connection: state.uri, what: "revert to snapshot 'clean' web9",
                                                command: "virsh -c qemu:///system snapshot-revert web9 clean",
                                                outcome: .failed("web9 no longer exists on qemu:///system"))))
        _ = press(&state, .character("7"))
        let text = screen(state, 120, 30).text
        #expect(text.contains("7 Log (2)"))
        #expect(text.contains("virsh -c qemu:///system setvcpus web1 2 --config --live"))
        #expect(text.contains("failed") && text.contains("web9 no longer exists on qemu:///system"))
        for index in 0..<(AppState.actionLogLength + 5) {
            _ = update(&state, .logged(ActionRecord(time: time, connection: "x", what: "\(index)", command: "", outcome: .done(""))))
        }
        #expect(state.actionLog.count == AppState.actionLogLength && state.actionLog.last?.what == "\(AppState.actionLogLength + 4)")
    }

    @Test func theTablesCommandsFillInWhatTheActionNeeds() {
        #expect(MachineAction.setMemory(mebibytes: 2048, live: false).command(for: "web1") == "virsh setmem web1 2048M --config")
        #expect(MachineAction.setAutostart(false).command(for: "web1") == "virsh autostart web1 --disable")
        #expect(MachineAction.attachDisk(DiskToAttach(path: "/d/web1-vdb.qcow2", target: "vdb", newSizeGiB: 4)).command(for: "web1")
                == "qemu-img create -f qcow2 /d/web1-vdb.qcow2 4G && virsh attach-disk web1 /d/web1-vdb.qcow2 vdb --subdriver qcow2 --persistent")
        #expect(MachineAction.deleteSnapshot("s1").command(for: "web1") == "virsh snapshot-delete web1 s1")
        #expect(MachineAction.createSnapshot("s1", description: "it's clean").command(for: "web1")
                == "virsh snapshot-create-as web1 s1 --description 'it'\\''s clean'")
        #expect(MachineAction.delete(removeStorage: false).command(for: "web1") == "virsh undefine web1 --snapshots-metadata")
    }

    @Test func theHardwareDialogTurnsEachChangedFieldIntoOneAction() {
        var state = DashboardFixture.state()
        _ = press(&state, .character("G"))  // web1, running
        #expect(press(&state, .character("e")).isEmpty)
        #expect(state.status?.text.contains("reading the details") == true, "the dialog needs the VM's disks")
        _ = update(&state, .details(web1.key, DashboardFixture.web1Details()))
        _ = press(&state, .character("e"))
        guard var hardware = state.modal as? HardwareDialog, hardware.machine == web1 else {
            Issue.record("expected the hardware dialog, got \(String(describing: state.modal))")
            return
        }
        hardware.form[HardwareDialog.vcpus] = "4"
        hardware.form[HardwareDialog.addDisk] = "4"
        hardware.form[HardwareDialog.addNIC] = "lab"
        hardware.form[HardwareDialog.addHostDevice] = "65:00.0"
        hardware.form[HardwareDialog.removeHostDevice] = "1:2"
        state.modal = hardware
        #expect(press(&state, .enter) == [
            .perform(.setVCPUs(4, live: true), web1.key, name: "web1"),
            .perform(.attachDisk(DiskToAttach(path: "/var/lib/libvirt/images/web1-vdb.qcow2", target: "vdb", newSizeGiB: 4)),
                     web1.key, name: "web1"),
            .perform(.attachNIC(network: "lab"), web1.key, name: "web1"),
            .perform(.attachHostDevice("65:00.0"), web1.key, name: "web1"),
            .perform(.detachHostDevice("1:2"), web1.key, name: "web1"),
        ])
        #expect(Effect.perform(.attachHostDevice("65:00.0"), web1.key, name: "web1").logged(uri: web1.key.connection)?.command
                == "virsh -c \(web1.key.connection) attach-device web1 hostdev-65:00.0.xml --persistent")
        // The VM's detail lists the devices it was given.
        var given = DashboardFixture.web1Details()
        given.hostDevices = ["pci 0000:65:00.0"]
        _ = update(&state, .details(web1.key, given))
        #expect(screen(state, 100, 30).text.contains("HOST pci 0000:65:00.0 (passed through)"))
        _ = press(&state, .character("e"))
        guard var bad = state.modal as? HardwareDialog else { return }
        bad.form[HardwareDialog.memory] = "lots"
        state.modal = bad
        #expect(press(&state, .enter).isEmpty)
        #expect(state.status?.text == "memory: a whole number of MiB, 16 or more")
        #expect(state.modal != nil, "a refused field keeps the dialog open to fix it")
    }

    @Test func snapshotsShowAsATreeAndDeletingSaysWhatHappensToTheChildren() throws {
        let node = { (name: String, parent: String?, current: Bool, external: Bool) in
            SnapshotNode(name: name, parent: parent, isCurrent: current, isExternal: external, state: "shutoff",
                         created: nil, description: nil)
        }
        let tree = [node("base", nil, false, false), node("updated", "base", false, false),
                    node("tuned", "updated", true, false), node("other", "base", false, true)]
        #expect(SnapshotTree.rows(tree).map { $0.prefix + $0.node.name } == ["base", "├─ other", "└─ updated", "   └─ tuned"],
                "siblings oldest first, then by name")
        #expect(tree[1].deletionEffect(in: tree) == "Its children 'tuned' are kept and hang from 'base'.")
        #expect(tree[2].deletionEffect(in: tree) == "It has no children.")
        var state = DashboardFixture.state()
        _ = press(&state, .character("G"))
        _ = update(&state, .snapshotsListed([web1], [tree]))
        let text = screen(state, 100, 30).text
        #expect(text.contains("tuned *"), "the current snapshot is marked")
        #expect(text.contains("external"))
        _ = press(&state, .up)  // from tuned (current) to updated
        #expect(screen(state, 100, 30).text.contains("Its children 'tuned' are kept and hang from 'base'."))
        _ = press(&state, .character("D"))
        guard let confirm = state.modal as? ConfirmDialog, confirm.action == .machine(.deleteSnapshot("updated")), confirm.name == "web1" else {
            Issue.record("deleting a snapshot asks: \(String(describing: state.modal))")
            return
        }
    }

    @Test func perDeviceRatesGuestFactsAndTheHistoryChart() throws {
        var state = DashboardFixture.state()
        _ = press(&state, .character("G"))
        var details = DashboardFixture.web1Details()
        details.guest = GuestSystem(os: "Debian GNU/Linux 12 (bookworm)", kernel: "6.1.0-28-cloud-amd64", hostname: "web1",
                                    timezone: "UTC", users: ["learner"],
                                    fileSystems: [.init(mountpoint: "/", type: "ext4", usedBytes: 1 << 30, totalBytes: 4 << 30)],
                                    interfaces: [.init(name: "enp1s0", addresses: ["192.168.150.23/24"])])
        _ = update(&state, .details(web1.key, details))
        let disk = { (bytes: UInt64) in DeviceCounters.Disk(name: "vda", readBytes: bytes, writeBytes: 0, readRequests: 0,
                                                            writeRequests: 0, capacityBytes: nil, allocationBytes: nil) }
        let nic = { (bytes: UInt64) in DeviceCounters.NIC(name: "vnet0", rxBytes: bytes, txBytes: 0, rxPackets: 0, txPackets: 0) }
        _ = update(&state, .devices(web1.key, DeviceCounters(time: 10, disks: [disk(0)], nics: [nic(0)])))
        _ = update(&state, .devices(web1.key, DeviceCounters(time: 12, disks: [disk(4 << 20)], nics: [nic(2048)])))
        let text = screen(state, 220, 45).text
        #expect(text.contains("R 2 MiB/s"), "vda read 4 MiB in 2 s")
        #expect(text.contains("RX 1 KiB/s"))
        #expect(text.contains("Debian GNU/Linux 12 (bookworm), kernel 6.1.0-28-cloud-amd64"))
        #expect(text.contains("users learner"))
        #expect(text.contains("/ ext4 1 GiB of 4 GiB"))
        #expect(text.contains("enp1s0 192.168.150.23/24"))

        for second in 0..<300 { _ = update(&state, .snapshot(DashboardFixture.snapshot(at: 14 + Double(second) * 2, scale: 3 + UInt64(second)))) }
        #expect(state.history[web1.key]?.cpu.count == 301, "longer than a screen of sparkline")
        _ = press(&state, .character("h"))
        let chart = screen(state, 100, 30).text
        #expect(chart.contains("History of web1") && chart.contains("301 samples"))
        #expect(chart.contains("CPU % of one core") && chart.contains("Network I/O"))
        #expect(chart.contains("█"), "the bars are drawn")
    }

    @Test func theHistoryIsBoundedAndKeepsTheNewest() {
        var ring = MachineHistory.Ring(capacity: 3)
        for value in 1...5 { ring.append(Double(value)) }
        #expect(ring.values() == [3, 4, 5] && ring.values(last: 2) == [4, 5])
    }
}
