import Inventory
import TermUI

/// The new-VM wizard (n): virt-manager's first question — an installer ISO, a disk with an OS, a network boot, or a
/// cloud image — and the sizes, blank for what the OS recommends (osinfo-db), as `virtlab vm create` takes them.
public struct NewMachineDialog: Dialog, Equatable {
    public var form = Form(["Name": "", "From (iso, import, pxe, image)": "iso", "ISO, disk, network or image": "",
                            "OS (blank: from the ISO)": "", "Memory MiB (blank: OS's)": "", "Disk GiB (blank: OS's)": "",
                            "Firmware (bios, uefi)": "bios", "Network (blank: user-mode)": "",
                            "Boot order (blank: installer, disk)": ""])

    public init() {}

    public func handle(_ key: Key, in state: inout AppState) -> [Effect] {
        handleForm(self, \.form, key, in: &state) { dialog, state in Self.submit(&state, dialog.form) }
    }

    public var hints: [(String, String)] { Self.formHints("create and start") }

    public func draw(_ buffer: inout Buffer, _ state: AppState, theme: Theme, glyphs: Glyphs) {
        drawForm(&buffer, title: "New virtual machine",
                 intro: "How is its OS installed? Sizes left blank are what the OS recommends.", form,
                 hint: "Tab/↑↓ field   Enter create and start   Esc cancel", theme: theme, glyphs: glyphs)
    }

    /// What the form can tell at once is checked here; the rest (the file, the OS, the network, the name in use) by
    /// the port, in `virtlab vm create`'s words.
    static func submit(_ state: inout AppState, _ form: Form) -> [Effect] {
        func field(_ label: String) -> String { form[label].trimmingCharacters(in: .whitespaces) }
        let (name, from, source) = (field("Name"), field("From (iso, import, pxe, image)"), field("ISO, disk, network or image"))
        guard !name.isEmpty else { return refuse(&state, "the VM needs a name") }
        guard !source.isEmpty else {
            return refuse(&state, "name the ISO file, the disk, the network (pxe) or the cloud image it starts from")
        }
        func size(_ label: String, _ range: ClosedRange<Int>) -> Int?? {
            let text = field(label)
            if text.isEmpty { return .some(nil) }
            guard let value = Int(text), range.contains(value) else { return nil }
            return .some(value)
        }
        guard let memory = size("Memory MiB (blank: OS's)", 64...1_048_576) else {
            return refuse(&state, "memory is in MiB, 64 or more (blank: the OS's recommendation)")
        }
        guard let disk = size("Disk GiB (blank: OS's)", 1...65_536) else {
            return refuse(&state, "the disk is in GiB, 1 or more (blank: the OS's recommendation)")
        }
        let firmware = field("Firmware (bios, uefi)").lowercased()
        guard firmware == "bios" || firmware == "uefi" else { return refuse(&state, "firmware '\(firmware)': bios or uefi") }
        if from == "image" {
            // A cloud image by its name in the images list, or a path.
            let image = state.snapshot?.images.first { $0.name == source }?.path ?? source
            state.modal = nil
            setStatus(&state, "creating \(name) from \(source)…", .info)
            return [.launch(imagePath: image, name: name, memoryMiB: memory ?? 1024, sshKeyPath: nil)]
        }
        guard let medium = InstallRequest.Medium(rawValue: from) else {
            return refuse(&state, "from '\(from)': iso, import, pxe or image")
        }
        let (os, network) = (field("OS (blank: from the ISO)"), field("Network (blank: user-mode)"))
        let boot = field("Boot order (blank: installer, disk)")
        if medium == .pxe && !network.isEmpty && network != source {
            return refuse(&state, "a PXE boot is on the network it boots from (\(source)): leave Network blank")
        }
        state.modal = nil
        setStatus(&state, "creating \(name) from \(source)…", .info)
        return [.install(InstallRequest(name: name, medium: medium, source: source, os: os.isEmpty ? nil : os, memoryMiB: memory,
                                        diskGiB: disk, uefi: firmware == "uefi", network: network.isEmpty || medium == .pxe ? nil : network,
                                        bootOrder: boot.isEmpty ? nil : boot.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }))]
    }
}
