import Foundation
import Inventory
import TermUI

/// The hardware dialog (e): a VM's vCPUs, memory and autostart, and a disk, NIC or host device to add or remove. Each field
/// changed becomes one action of the table, so each is done, logged and explained on its own.
public struct HardwareDialog: Dialog, Equatable {
    public let machine: MachineRef
    public var form: Form

    static let vcpus = "vCPUs", memory = "Memory (MiB)", autostart = "Autostart (yes/no)"
    static let addDisk = "Add disk (GiB, or an image path)", removeDisk = "Remove disk (vdb, ...)"
    static let addNIC = "Add NIC on network", removeNIC = "Remove NIC (MAC)"
    static let addHostDevice = "Give host device (PCI addr.)", removeHostDevice = "Take host device back"

    static func open(_ state: inout AppState, _ machine: MachineSample) -> [Effect] {
        guard let details = state.details[machine.key] else {
            return refuse(&state, "reading the details of \(machine.name)… press e again in a moment")
        }
        state.modal = HardwareDialog(machine: MachineRef(machine.key, machine.name), form: Form([
            vcpus: "\(machine.vcpus)", memory: "\(machine.maxMemoryKiB / 1024)",
            autostart: details.autostart ? "yes" : "no", addDisk: "", removeDisk: "", addNIC: "", removeNIC: "",
            addHostDevice: "", removeHostDevice: "",
        ]))
        return []
    }

    public func handle(_ key: Key, in state: inout AppState) -> [Effect] {
        handleForm(self, \.form, key, in: &state) { dialog, state in Self.submit(&state, dialog.machine, dialog.form) }
    }

    public var hints: [(String, String)] { Self.formHints("apply") }

    public func draw(_ buffer: inout Buffer, _ state: AppState, theme: Theme, glyphs: Glyphs) {
        drawForm(&buffer, title: "Hardware of \(machine.name)",
                 intro: "Live where the hypervisor allows, else from the next boot.", form,
                 hint: "Tab/↑↓ field   Enter apply   Esc cancel", theme: theme, glyphs: glyphs)
    }

    static func submit(_ state: inout AppState, _ target: MachineRef, _ form: Form) -> [Effect] {
        guard let machine = state.allMachines.first(where: { $0.key == target.key }) else {
            state.modal = nil
            return refuse(&state, "\(target.name) no longer exists")
        }
        let details = state.details[target.key]
        let field = { (label: String) in form[label].trimmingCharacters(in: .whitespaces) }
        let live = machine.state.isActive
        var actions: [MachineAction] = []
        guard let count = Int(field(vcpus)), count >= 1 else { return refuse(&state, "vCPUs: a whole number, 1 or more") }
        if count != machine.vcpus { actions.append(.setVCPUs(count, live: live)) }
        guard let mebibytes = Int(field(memory)), mebibytes >= 16 else {
            return refuse(&state, "memory: a whole number of MiB, 16 or more")
        }
        if UInt64(mebibytes) != machine.maxMemoryKiB / 1024 { actions.append(.setMemory(mebibytes: mebibytes, live: live)) }
        switch field(autostart).lowercased() {
        case "yes", "y", "on": if details?.autostart == false { actions.append(.setAutostart(true)) }
        case "no", "n", "off": if details?.autostart == true { actions.append(.setAutostart(false)) }
        default: return refuse(&state, "autostart: yes or no")
        }
        let disk = field(addDisk)
        if !disk.isEmpty {
            guard let free = DiskToAttach.nextTarget(after: (details?.disks ?? []).map(\.target)) else {
                return refuse(&state, "\(target.name) has no free disk name left (vdb to vdz are taken)")
            }
            if disk.hasPrefix("/") {
                actions.append(.attachDisk(DiskToAttach(path: disk, target: free, newSizeGiB: nil)))
            } else {
                guard let gib = Int(disk.hasSuffix("G") ? String(disk.dropLast()) : disk), (1...4096).contains(gib) else {
                    return refuse(&state, "add disk: a size in GiB (1 to 4096) or an image's full path")
                }
                let first = details?.disks.first { $0.device == "disk" }?.source
                actions.append(.attachDisk(.new(sizeGiB: gib, for: target.name, target: free, besideDisk: first,
                                                uri: target.key.connection, home: state.homeDirectory)))
            }
        }
        if !field(removeDisk).isEmpty { actions.append(.detachDisk(target: field(removeDisk))) }
        if !field(addNIC).isEmpty { actions.append(.attachNIC(network: field(addNIC))) }
        if !field(removeNIC).isEmpty { actions.append(.detachNIC(mac: field(removeNIC).lowercased())) }
        if !field(addHostDevice).isEmpty { actions.append(.attachHostDevice(field(addHostDevice))) }
        if !field(removeHostDevice).isEmpty { actions.append(.detachHostDevice(field(removeHostDevice))) }
        state.modal = nil
        guard !actions.isEmpty else { return refuse(&state, "\(target.name): nothing changed") }
        setStatus(&state, "changing \(target.name): \(actions.count) change\(actions.count == 1 ? "" : "s") (see the Log)…", .info)
        return actions.map { .perform($0, target.key, name: target.name) }
    }
}
