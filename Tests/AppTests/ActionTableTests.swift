import Inventory
import Testing
import TestTags
import TermUI
@testable import App

/// The dashboard's VM keys obey the action table the command line reads (`MachineAction.table`): in every state,
/// a key goes ahead (asking first exactly when the table warns) or is refused with the table's words.
@Suite(.tags(.pure)) struct ActionTableTests {
    static let keys: [(Character, ActionRule<MachineState>)] = [
        ("u", StartVM.rule), ("d", ShutdownVM.rule), ("r", RebootVM.rule), ("F", ForceOffVM.rule), ("c", OpenConsole.rule),
        ("C", CloneVM.rule),
    ]

    /// The fixture with one VM, `vm1`, in `machineState`.
    func state(_ machineState: MachineState) -> AppState {
        var state = AppState(uri: DashboardFixture.uri, isDemo: false, readOnly: false)
        _ = update(&state, .reconnected(connection: DashboardFixture.uri))
        let fixture = DashboardFixture.snapshot(at: 10, scale: 1)
        _ = update(&state, .snapshot(InventorySnapshot(
            connection: fixture.connection, hypervisor: fixture.hypervisor, time: fixture.time, host: fixture.host,
            machines: [DashboardFixture.machine("vm1", uuid: DashboardFixture.web1, machineState, cpu: 0, memoryMiB: 512)],
            images: [])))
        return state
    }

    @Test(arguments: MachineState.allCases) func everyVMKeyFollowsTheTable(_ machineState: MachineState) {
        for (key, rule) in Self.keys {
            var state = state(machineState)
            let effects = update(&state, .key(.character(key)))
            if let why = rule.refusal("vm1", machineState) {
                #expect(effects.isEmpty && state.modal == nil, "\(key) in \(machineState.label)")
                #expect(state.status?.text == why)
            } else if rule.warning != nil {
                guard let confirm = state.modal as? ConfirmDialog, confirm.name == "vm1" else {
                    Issue.record("\(key) in \(machineState.label) should ask: \(String(describing: state.modal))")
                    continue
                }
                #expect(confirm.action.warning == rule.warning)
            } else {
                #expect(!effects.isEmpty || state.modal != nil, "\(key) in \(machineState.label) did nothing")
            }
        }
    }

    @Test(arguments: MachineState.allCases) func pauseOrResumePicksByStateAndObeysTheTable(_ machineState: MachineState) {
        var state = state(machineState)
        let effects = update(&state, .key(.character("p")))
        let action: MachineAction = machineState == .paused ? .resume : .pause
        if let why = action.rule.refusal("vm1", machineState) {
            #expect(effects.isEmpty && state.status?.text == why)
        } else {
            #expect(effects == [.perform(action, DashboardFixture.key(DashboardFixture.web1), name: "vm1")])
        }
    }

    @Test func theConfirmationShowsTheEquivalentCommand() {
        var state = state(.running)
        _ = update(&state, .key(.character("F")))
        let screen = view(state, size: Size(width: 100, height: 30), theme: .builtIn, glyphs: .unicode).text
        #expect(screen.contains("Same as: virsh destroy vm1"), "\(screen)")
        #expect(screen.contains("Like pulling the plug"))
    }

    @Test func theEquivalentsFillInWhatTheActionNeeds() {
        #expect(MachineAction.revertSnapshot("clean").command(for: "web1") == "virsh snapshot-revert web1 clean")
        #expect(MachineAction.delete(removeStorage: true).command(for: "web1")
                == "virsh undefine web1 --snapshots-metadata --remove-all-storage")
        #expect(MachineAction.clone(as: "web2", sanitize: true).command(for: "web1")
                == "virt-clone --original web1 --name web2 --auto-clone && virt-sysprep -d web2")
        #expect(MachineAction.clone(as: "web2", sanitize: false).command(for: "web1")
                == "virt-clone --original web1 --name web2 --auto-clone")
        #expect(PendingAction.container(.remove).command(for: "api") == "podman rm -f api")
    }
}

/// The Networks pane (5): its keys follow the network rules `virtlab net` reads.
@Suite(.tags(.pure)) struct NetworksPaneTests {
    func networks() -> AppState {
        var state = DashboardFixture.state()
        _ = update(&state, .key(.character("5")))
        return state
    }

    @Test func theListShowsModeSubnetAndDHCP() {
        let screen = view(networks(), size: Size(width: 100, height: 30), theme: .builtIn, glyphs: .unicode).text
        #expect(screen.contains("5 Networks (2)"))
        #expect(screen.split(separator: "\n").contains {
            $0.contains("default") && $0.contains("active") && $0.contains("nat") && $0.contains("192.168.122.0/24")
        })
        #expect(screen.contains("guests reach out via the host; the LAN cannot reach them"))
        #expect(screen.contains("Lease      192.168.122.17  52:54:00:00:00:01  web1"))
    }

    @Test func stopAsksStartIsRefusedWhenActiveAndDeleteAsks() {
        var state = networks()  // default: active
        #expect(update(&state, .key(.character("u"))).isEmpty)
        #expect(state.status?.text == "cannot start network 'default': it is active")
        _ = update(&state, .key(.character("d")))
        guard let confirm = state.modal as? ConfirmDialog, confirm.action == .network(.stop), confirm.name == "default" else {
            Issue.record("stop should ask: \(String(describing: state.modal))")
            return
        }
        let dialog = view(state, size: Size(width: 100, height: 30), theme: .builtIn, glyphs: .unicode).text
        #expect(dialog.contains("Same as: virsh net-destroy default"))
        #expect(update(&state, .key(.character("y"))) == [.performOnNetwork(.stop, name: "default")])
        _ = update(&state, .key(.down))  // hostonly: inactive
        #expect(update(&state, .key(.character("u"))) == [.performOnNetwork(.start, name: "hostonly")])
        #expect(update(&state, .key(.character("a"))) == [.performOnNetwork(.autostart(true), name: "hostonly")])
        _ = update(&state, .key(.character("D")))
        #expect(update(&state, .key(.character("y"))) == [.performOnNetwork(.delete(inUseBy: []), name: "hostonly")])
    }

    /// Deleting a network in use names its VMs and asks; yes deletes it, for those VMs only.
    @Test func deletingANetworkInUseNamesItsVMs() {
        var state = networks()  // default: web1 has a NIC on it
        let list = view(state, size: Size(width: 100, height: 30), theme: .builtIn, glyphs: .unicode).text
        #expect(list.split(separator: "\n").contains { $0.contains("default") && $0.contains("web1") })
        #expect(list.contains("VMs        web1"))
        _ = update(&state, .key(.character("D")))
        let dialog = view(state, size: Size(width: 100, height: 30), theme: .builtIn, glyphs: .unicode).text
        #expect(dialog.contains("In use by web1: their NICs lose their network."), "\(dialog)")
        #expect(update(&state, .key(.character("y"))) == [.performOnNetwork(.delete(inUseBy: ["web1"]), name: "default")])
    }

    @Test func aNewNetworkIsAFormAndItsFieldsGoToThePort() {
        var state = networks()
        _ = update(&state, .key(.character("n")))
        guard let form = (state.modal as? NetworkFormDialog)?.form else {
            Issue.record("n should open the form: \(String(describing: state.modal))")
            return
        }
        #expect(form["Mode"] == "nat" && form.focus == 0)
        let screen = view(state, size: Size(width: 100, height: 30), theme: .builtIn, glyphs: .unicode).text
        #expect(screen.contains("New virtual network") && screen.contains("DHCP range"))
        #expect(update(&state, .key(.enter)).isEmpty && state.status?.text == "the network needs a name")
        for character in "lab2" { _ = update(&state, .key(.character(character))) }
        _ = update(&state, .key(.tab))  // Mode
        for _ in 0..<3 { _ = update(&state, .key(.backspace)) }
        for character in "bridged" { _ = update(&state, .key(.character(character))) }
        #expect(update(&state, .key(.enter)).isEmpty)
        #expect(state.status?.text == "mode 'bridged': use isolated, nat, route or open")
        for _ in 0..<7 { _ = update(&state, .key(.backspace)) }
        for character in "isolated" { _ = update(&state, .key(.character(character))) }
        _ = update(&state, .key(.tab))
        _ = update(&state, .key(.tab))  // DHCP range: cleared, so the network hands out no addresses
        for _ in 0..<40 { _ = update(&state, .key(.backspace)) }
        #expect(update(&state, .key(.enter)) == [.createNetwork(name: "lab2", mode: "isolated", subnet: "192.168.150.0/24",
                                                               dhcp: nil)])
        #expect(state.modal == nil)
        _ = update(&state, .key(.character("n")))
        _ = update(&state, .key(.escape))
        #expect(state.modal == nil)
    }

    @Test func readOnlyRefusesNetworkChanges() {
        var state = DashboardFixture.state(readOnly: true)
        _ = update(&state, .key(.character("5")))
        #expect(update(&state, .key(.character("d"))).isEmpty && state.modal == nil)
        #expect(state.status?.text.hasPrefix("read-only connection") == true)
    }
}
