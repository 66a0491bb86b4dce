import Inventory
import Testing
import TestTags
import TermUI
@testable import App

@Suite(.tags(.pure)) struct UpdateTests {
    /// A refresh of the same machines keeps their order by name without sorting again, with the new numbers; a
    /// new machine, a filter or another order sorts again.
    @Test func anUnchangedListKeepsItsOrderWithTheNewSamples() {
        var state = DashboardFixture.state()
        #expect(state.visibleMachines.map(\.name) == ["build", "db1", "web1"])
        let next = DashboardFixture.snapshot(at: 14, scale: 3)
        _ = update(&state, .snapshot(next))
        #expect(state.visibleMachines.map(\.name) == ["build", "db1", "web1"])
        #expect(state.visibleMachines.map(\.cpuTimeNs) == ["build", "db1", "web1"].map { name in
            next.machines.first { $0.name == name }!.cpuTimeNs
        })
        _ = update(&state, .key(.character("/")))
        for character in "b1" { _ = update(&state, .key(.character(character))) }
        #expect(state.visibleMachines.map(\.name) == ["db1", "web1"])
        _ = update(&state, .snapshot(DashboardFixture.snapshot(at: 16, scale: 4)))
        #expect(state.visibleMachines.map(\.name) == ["db1", "web1"], "the filter still holds")
    }

    /// Which machines the next refresh reads one by one (on drivers where that is a call each).
    @Test func theRefreshMeasuresTheRowsAroundTheSelectionUnlessTheOrderNeedsAll() {
        #expect(AppState(uri: DashboardFixture.uri, isDemo: false, readOnly: false).machinesToMeasure(rows: 24) == nil,
                "before the first snapshot: all")
        var state = DashboardFixture.state()  // build, db1, web1 by name; build selected
        #expect(state.machinesToMeasure(rows: 1) == [DashboardFixture.build, DashboardFixture.db1])
        #expect(state.machinesToMeasure(rows: 24) == [DashboardFixture.build, DashboardFixture.db1, DashboardFixture.web1])
        _ = update(&state, .key(.character("s")))  // sort: state
        #expect(state.machinesToMeasure(rows: 24) != nil)
        _ = update(&state, .key(.character("s")))  // sort: CPU%
        #expect(state.sort == .cpu && state.machinesToMeasure(rows: 1) == nil)
    }

    func press(_ state: inout AppState, _ keys: Key...) -> [Effect] {
        keys.flatMap { update(&state, .key($0)) }
    }

    func typing(_ text: String) -> [Key] { text.map { .character($0) } }

    @Test func navigationKeepsTheSelectionByIdentity() {
        var state = DashboardFixture.state()
        #expect(state.selectedMachineSample?.name == "build")
        let effects = press(&state, .down)
        #expect(state.selectedMachineSample?.name == "db1")
        #expect(effects == [.fetchDetails(DashboardFixture.key(DashboardFixture.db1))])
        _ = press(&state, .character("j"), .character("j"), .character("j"))
        #expect(state.selectedMachineSample?.name == "web1")  // stops at the last row
        // A new refresh reorders nothing under the user: the selection follows the machine, not the row.
        _ = update(&state, .snapshot(DashboardFixture.snapshot(at: 14, scale: 3)))
        #expect(state.selectedMachineSample?.name == "web1")
        _ = press(&state, .character("g"))
        #expect(state.selectedMachineSample?.name == "build")
    }

    @Test func filterNarrowsByNameAndEscapeClearsIt() {
        var state = DashboardFixture.state()
        _ = press(&state, .character("/"))
        #expect(state.editingFilter)
        for key in typing("WEB") { _ = press(&state, key) }
        #expect(state.visibleMachines.map(\.name) == ["web1"])
        _ = press(&state, .enter)
        #expect(!state.editingFilter && state.filter == "WEB")
        #expect(state.selectedMachineSample?.name == "web1")
        _ = press(&state, .escape)
        #expect(state.filter.isEmpty && state.visibleMachines.count == 3)
    }

    @Test func sortCyclesAndReverses() {
        var state = DashboardFixture.state()
        _ = press(&state, .character("s"), .character("s"))
        #expect(state.sort == .cpu && state.sortDescending)
        #expect(state.visibleMachines.map(\.name) == ["web1", "db1", "build"])
        _ = press(&state, .character("S"))
        #expect(state.visibleMachines.map(\.name).first == "build")
        #expect(state.status?.text == "sorted by CPU%, ascending")
    }

    @Test func refreshIntervalStaysWithinBounds() {
        var state = DashboardFixture.state()
        for _ in 0..<10 { _ = press(&state, .character("+")) }
        #expect(state.refreshInterval == 0.5)
        for _ in 0..<10 { _ = press(&state, .character("-")) }
        #expect(state.refreshInterval == 60)
    }

    @Test func forceOffAsksFirstAndOnlyYesActs() {
        var state = DashboardFixture.state()
        _ = press(&state, .character("G"))  // web1, running
        #expect(press(&state, .character("F")).isEmpty)
        guard let confirm = state.modal as? ConfirmDialog, confirm.action == .machine(.forceOff), confirm.name == "web1" else {
            Issue.record("no confirmation")
            return
        }
        #expect(press(&state, .character("x")).isEmpty)  // other keys do nothing while it asks
        #expect(press(&state, .character("n")).isEmpty && state.modal == nil)
        _ = press(&state, .character("F"))
        #expect(press(&state, .character("y")) == [.perform(.forceOff, DashboardFixture.key(DashboardFixture.web1),
                                                             name: "web1")])
    }

    @Test func deleteNeedsTheExactName() {
        var state = DashboardFixture.state()  // build is selected
        _ = press(&state, .character("D"))
        for key in typing("buil") { _ = press(&state, key) }
        #expect(press(&state, .enter).isEmpty)
        #expect(state.status?.text.contains("type the name exactly") == true)
        _ = press(&state, .character("d"), .tab)
        #expect(press(&state, .enter) == [.perform(.delete(removeStorage: true), DashboardFixture.key(DashboardFixture.build),
                                                   name: "build")])
    }

    @Test func pauseResumeAndStartNeedNoConfirmation() {
        var state = DashboardFixture.state()
        #expect(press(&state, .character("u")) == [.perform(.start, DashboardFixture.key(DashboardFixture.build), name: "build")])
        _ = press(&state, .down)  // db1, paused
        #expect(press(&state, .character("p")) == [.perform(.resume, DashboardFixture.key(DashboardFixture.db1), name: "db1")])
        #expect(press(&state, .character("u")).isEmpty)
        #expect(state.status?.text == "cannot start 'db1': it is paused")
    }

    @Test func snapshotTakesANameAndRevertAsksAfterPicking() {
        var state = DashboardFixture.state()
        let web1 = DashboardFixture.key(DashboardFixture.web1)
        _ = press(&state, .character("G"), .character("t"))
        for key in typing("clean") { _ = press(&state, key) }
        #expect(press(&state, .enter) == [.perform(.createSnapshot("clean"), web1, name: "web1")])
        let ref = MachineRef(web1, "web1")
        #expect(press(&state, .character("R")) == [.listSnapshots([ref])])
        let node = { (name: String, parent: String?, current: Bool) in
            SnapshotNode(name: name, parent: parent, isCurrent: current, isExternal: false, state: "running",
                         created: nil, description: nil)
        }
        _ = update(&state, .snapshotsListed([ref], [[node("clean", nil, false), node("later", "clean", true)]]))
        guard (state.modal as? SnapshotPickerDialog)?.selected == 1 else {
            Issue.record("the picker starts at the current snapshot: \(String(describing: state.modal))")
            return
        }
        _ = press(&state, .up, .enter)
        guard state.modal as? ConfirmDialog == ConfirmDialog(action: .machine(.revertSnapshot("clean")), key: web1, name: "web1") else {
            Issue.record("revert must ask: \(String(describing: state.modal))")
            return
        }
        #expect(press(&state, .character("y")) == [.perform(.revertSnapshot("clean"), web1, name: "web1")])
    }

    @Test func readOnlyHidesAndRefusesEveryChange() {
        var state = DashboardFixture.state(readOnly: true)
        for key: Key in [.character("u"), .character("d"), .character("F"), .character("p"), .character("D"),
                         .character("n"), .character("t"), .character("c")] {
            #expect(press(&state, key).isEmpty)
            #expect(state.modal == nil)
        }
        #expect(state.status?.text.hasPrefix("read-only connection") == true)
        #expect(!Keymap.applicable(state).contains { $0.mutates })
        let footer = view(state, size: Size(width: 120, height: 30), theme: .builtIn, glyphs: .unicode).text
            .split(separator: "\n").last ?? ""
        #expect(!footer.contains("start") && footer.contains("help"))
    }

    @Test func machineKeysOutsideTheMachinePaneExplainThemselves() {
        var state = DashboardFixture.state()
        _ = press(&state, .character("3"))
        #expect(press(&state, .character("u")).isEmpty)
        #expect(state.status?.text == "start (up) works on virtual machines, containers, labs and networks: press 1, 2, 4 or 5")
        #expect(press(&state, .character("x")).isEmpty)
        #expect(state.status?.text == "domain XML works on virtual machines: press 1")
    }

    @Test func aLifecycleEventUpdatesTheStateAtOnce() {
        var state = DashboardFixture.state()
        let event = MachineEvent(key: DashboardFixture.key(DashboardFixture.build), change: .started)
        // Between two refreshes: the last one done, the next a minute away.
        state.schedule.links[DashboardFixture.uri]?.refreshInFlight = false
        state.schedule.links[DashboardFixture.uri]?.nextRefreshAt = state.now + 60
        #expect(update(&state, .machineEvent(event)) == [.refreshMachines(connection: DashboardFixture.uri)],
                "an event makes the next refresh due at once")
        #expect(state.snapshot?.machines.first { $0.name == "build" }?.state == .running)
        #expect(state.observedStart[DashboardFixture.key(DashboardFixture.build)] == state.now)
    }

    @Test func aVanishedMachineMovesTheSelectionOn() {
        var state = DashboardFixture.state()
        _ = press(&state, .character("G"))
        let without = DashboardFixture.snapshot(at: 14, scale: 3)
        _ = update(&state, .snapshot(InventorySnapshot(connection: without.connection, hypervisor: without.hypervisor,
                                                       time: without.time, host: without.host,
                                                       machines: without.machines.filter { $0.name != "web1" },
                                                       images: [])))
        #expect(state.selectedMachineSample?.name == "build")
        #expect(state.history[DashboardFixture.key(DashboardFixture.web1)] == nil)
        _ = update(&state, .actionFailed("web1 no longer exists on qemu:///system"))
        #expect(state.status?.level == .error)
    }

    /// Details cost an XML parse: a quiet refresh does not ask again; a change of state or their age does.
    @Test func detailsAreFetchedAgainOnlyWhenTheyMayHaveChanged() {
        var state = DashboardFixture.state()
        let build = DashboardFixture.key(DashboardFixture.build)
        #expect(state.selectedMachineSample?.key == build)  // the first row, by name
        _ = update(&state, .details(build, MachineDetails(hypervisorType: "kvm", osType: "hvm", disks: [], nics: [])))
        #expect(update(&state, .snapshot(DashboardFixture.snapshot(at: 14, scale: 3))).isEmpty)
        _ = update(&state, .tick(now: state.now + AppState.detailsLifetime + 1))
        #expect(update(&state, .snapshot(DashboardFixture.snapshot(at: 16, scale: 4))).isEmpty,
                "running since before virtlab looked: its details are settled")
        _ = update(&state, .tick(now: state.now + AppState.settledDetailsLifetime))
        #expect(update(&state, .snapshot(DashboardFixture.snapshot(at: 18, scale: 5))) == [.fetchDetails(build)])
        #expect(update(&state, .snapshot(DashboardFixture.snapshot(at: 20, scale: 6))).isEmpty)
        _ = update(&state, .machineEvent(MachineEvent(key: build, change: .started)))
        #expect(update(&state, .snapshot(DashboardFixture.snapshot(at: 22, scale: 7))) == [.fetchDetails(build)])
    }

    /// A guest's addresses and agent arrive while it boots: its details are asked for again sooner then.
    @Test func aBootingMachinesDetailsAreAskedForSooner() {
        var state = DashboardFixture.state()
        let web1 = DashboardFixture.key(DashboardFixture.web1)
        state.selectedMachine = web1
        _ = update(&state, .machineEvent(MachineEvent(key: web1, change: .started)))
        let details = MachineDetails(hypervisorType: "kvm", osType: "hvm", disks: [], nics: [])
        #expect(update(&state, .snapshot(DashboardFixture.snapshot(at: 14, scale: 3))) == [.fetchDetails(web1)])
        _ = update(&state, .details(web1, details))
        _ = update(&state, .tick(now: state.now + AppState.detailsLifetime + 1))
        #expect(update(&state, .snapshot(DashboardFixture.snapshot(at: 16, scale: 4))) == [.fetchDetails(web1)])
        _ = update(&state, .tick(now: state.now + AppState.bootSeconds))
        #expect(update(&state, .snapshot(DashboardFixture.snapshot(at: 18, scale: 5))) == [.fetchDetails(web1)])
        _ = update(&state, .tick(now: state.now + AppState.detailsLifetime + 1))
        #expect(update(&state, .snapshot(DashboardFixture.snapshot(at: 20, scale: 6))).isEmpty, "booted: settled")
    }

    @Test func unknownKeysSaySoAndMashingKeysNeverBreaksAnything() {
        var state = DashboardFixture.state()
        _ = press(&state, .character("Z"))
        #expect(state.status?.text == "Z: not a key here (press ? for every key)")
        let keys: [Key] = [.character("j"), .character("k"), .tab, .character("/"), .character("a"), .escape,
                           .character("?"), .pageDown, .escape, .character("s"), .character("D"), .escape, .character("%")]
        for round in 0..<1000 { _ = update(&state, .key(keys[round % keys.count])) }
        for size in [Size(width: 80, height: 24), Size(width: 10, height: 3), Size(width: 1, height: 1), Size(width: 0, height: 0)] {
            _ = view(state, size: size, theme: .builtIn, glyphs: .unicode)
        }
        #expect(!state.quitRequested)
    }

    @Test func statusMessagesExpire() {
        var state = DashboardFixture.state()
        _ = press(&state, .character("Z"))
        _ = update(&state, .tick(now: state.now + 4))
        #expect(state.status != nil)
        _ = update(&state, .tick(now: state.now + 2))
        #expect(state.status == nil)
    }

    @Test func quitFromAnywhere() {
        var state = DashboardFixture.state()
        _ = press(&state, .character("?"))
        #expect(press(&state, .control("c")) == [.quit])
        var other = DashboardFixture.state()
        #expect(press(&other, .character("q")) == [.quit] && other.quitRequested)
    }

    @Test func helpListsEveryBindingFromTheKeymap() {
        let lines = helpLines(DashboardFixture.state(), theme: .builtIn).map { $0.spans.map(\.text).joined() }
        for binding in Keymap.bindings {
            #expect(lines.contains { $0.contains(binding.summary) && $0.contains(binding.keys[0].label) },
                    "help lacks \(binding.summary)")
        }
    }

    @Test func containerKeysAskBeforeStoppingOrRemovingAndActOnTheSelectedContainer() {
        var state = DashboardFixture.stateWithContainers()
        _ = press(&state, .character("2"))
        let api = MachineKey(connection: DashboardFixture.engineURI, uuid: "aaaaaaaaaaaa0001")
        let job = MachineKey(connection: DashboardFixture.engineURI, uuid: "bbbbbbbbbbbb0002")
        #expect(press(&state, .character("d")) == [])
        guard state.modal as? ConfirmDialog == ConfirmDialog(action: .container(.stop), key: api, name: "api") else {
            Issue.record("expected a stop confirmation, got \(String(describing: state.modal))")
            return
        }
        #expect(press(&state, .character("y")) == [.performOnContainer(.stop, api, name: "api")])
        #expect(press(&state, .character("p")) == [.performOnContainer(.pause, api, name: "api")])
        #expect(press(&state, .character("c")) == [.openShell(name: "api")])
        #expect(press(&state, .character("l")) == [.fetchLogs(name: "api")])
        // A VM-only key says where it works instead of doing something else.
        #expect(press(&state, .character("x")) == [])
        #expect(state.status?.text.contains("press 1") == true)

        _ = press(&state, .down)
        #expect(press(&state, .character("c")) == [])
        #expect(state.status?.text == "cannot open a shell in 'job': it is exited; start it first")
        #expect(press(&state, .character("u")) == [.performOnContainer(.start, job, name: "job")])
        _ = press(&state, .character("D"))
        #expect(press(&state, .character("n")) == [])
        #expect(state.modal == nil)
        _ = press(&state, .character("D"))
        #expect(press(&state, .character("y")) == [.performOnContainer(.remove, job, name: "job")])
    }

    @Test func readOnlyHidesContainerActionsToo() {
        var state = DashboardFixture.stateWithContainers()
        state.readOnly = true
        _ = press(&state, .character("2"))
        #expect(press(&state, .character("d")) == [])
        #expect(state.modal == nil && state.status?.text.contains("read-only") == true)
        #expect(press(&state, .character("l")) == [.fetchLogs(name: "api")])
    }

    @Test func cloneAsksForANameOffersANewIdentityAndOnlyClonesShutOffVMs() {
        var state = DashboardFixture.state()
        _ = press(&state, .end)  // web1: running
        #expect(press(&state, .character("C")) == [])
        #expect(state.status?.text == "cannot clone 'web1': it is running; shut it down first")
        _ = press(&state, .home)  // build: shut off
        #expect(press(&state, .character("C")) == [])
        guard let clone = state.modal as? CloneDialog, clone.name == "build", clone.newName == "build-clone", clone.sanitize else {
            Issue.record("expected the clone dialog, got \(String(describing: state.modal))")
            return
        }
        _ = press(&state, .backspace, .backspace, .backspace, .backspace, .backspace, .character("2"), .tab)
        #expect(press(&state, .enter) == [.perform(.clone(as: "build-2", sanitize: false),
                                                   DashboardFixture.key(DashboardFixture.build), name: "build")])
        #expect(state.modal == nil)
    }

    @Test func theLaunchWizardFillsAFormAndAsksToCreateTheVM() {
        var state = DashboardFixture.state()
        state.defaultSSHKey = "/home/u/.ssh/id_ed25519.pub"
        _ = press(&state, .character("3"))
        #expect(press(&state, .character("L")) == [])
        guard let form = state.modal as? LaunchDialog else {
            Issue.record("expected the launch form, got \(String(describing: state.modal))")
            return
        }
        #expect(form.name == "debian-12-vm" && form.memory == "1024" && form.sshKey == "/home/u/.ssh/id_ed25519.pub")
        _ = press(&state, .tab, .backspace, .backspace, .backspace, .backspace, .character("x"))
        #expect(press(&state, .enter) == [])
        #expect(state.status?.text == "memory is in MiB, 128 or more")
        _ = press(&state, .backspace, .character("5"), .character("1"), .character("2"))
        #expect(press(&state, .enter) == [.launch(imagePath: "/var/lib/libvirt/images/debian-12.qcow2",
                                                  name: "debian-12-vm", memoryMiB: 512,
                                                  sshKeyPath: "/home/u/.ssh/id_ed25519.pub")])
        #expect(state.modal == nil)
        // Only disk images can be launched, and only from the Images pane.
        _ = press(&state, .character("1"))
        #expect(press(&state, .character("L")) == [])
        #expect(state.status?.text.contains("press 3") == true)
    }

    /// n: virt-manager's first question as a form; blank sizes are the OS's recommendation; what the form can tell at
    /// once is refused in one line, the rest goes to the port as `virtlab vm create` takes it.
    @Test func theNewVMWizardAsksHowTheOSIsInstalled() {
        var state = DashboardFixture.state()
        #expect(press(&state, .character("n")) == [] && state.modal is NewMachineDialog)
        func fill(_ values: [String]) {
            state.modal = NewMachineDialog()
            for (index, value) in values.enumerated() {
                if index > 0 { _ = press(&state, .tab) }
                // Each field starts as the form gives it: cleared first.
                for _ in 0 ..< 8 { _ = press(&state, .backspace) }
                for key in typing(value) { _ = press(&state, key) }
            }
        }
        fill(["", "iso", "/isos/tiny.iso"])
        #expect(press(&state, .enter) == [] && state.status?.text == "the VM needs a name")
        fill(["web", "iso", ""])
        #expect(press(&state, .enter) == [] && state.status?.text.hasPrefix("name the ISO file") == true)
        fill(["web", "floppy", "/isos/tiny.iso"])
        #expect(press(&state, .enter) == [] && state.status?.text == "from 'floppy': iso, import, pxe or image")
        fill(["web", "iso", "/isos/tiny.iso", "", "lots"])
        #expect(press(&state, .enter) == [] && state.status?.text.hasPrefix("memory is in MiB") == true)

        fill(["web", "iso", "/isos/tiny.iso", "alpinelinux3.17", "256", "1", "uefi"])
        let request = InstallRequest(name: "web", medium: .iso, source: "/isos/tiny.iso", os: "alpinelinux3.17", memoryMiB: 256,
                                     diskGiB: 1, uefi: true)
        #expect(press(&state, .enter) == [.install(request)] && state.modal == nil)
        #expect(Effect.install(request).logged(uri: "qemu:///system")?.command
                == "virtlab vm create web --iso /isos/tiny.iso --os alpinelinux3.17 --memory 256 --disk-size 1 --uefi --uri qemu:///system")
        fill(["db", "import", "/vm/db.qcow2", "", "", "", "bios", "lab"])
        #expect(press(&state, .enter) == [.install(InstallRequest(name: "db", medium: .importDisk, source: "/vm/db.qcow2", network: "lab"))])
        #expect(Effect.install(InstallRequest(name: "db", medium: .importDisk, source: "/vm/db.qcow2", network: "lab"))
                    .logged(uri: "qemu:///system")?.command == "virtlab vm create db --import /vm/db.qcow2 --network lab --uri qemu:///system")
        fill(["boot", "pxe", "lab", "", "", "", "bios", "", "network, hd"])
        #expect(press(&state, .enter) == [.install(InstallRequest(name: "boot", medium: .pxe, source: "lab", bootOrder: ["network", "hd"]))])
        // A cloud image by its name in the images list.
        fill(["c1", "image", "debian-12.qcow2", "", "512"])
        #expect(press(&state, .enter) == [.launch(imagePath: "/var/lib/libvirt/images/debian-12.qcow2", name: "c1", memoryMiB: 512,
                                                  sshKeyPath: nil)])
    }
}
