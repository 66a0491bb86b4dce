import TermUI

/// The launch wizard (L): a VM made from a disk image — its name, memory and SSH key file.
public struct LaunchDialog: Dialog, Equatable {
    public let imagePath: String
    public let imageName: String
    public var form: Form

    public init(imagePath: String, imageName: String, name: String, sshKey: String) {
        (self.imagePath, self.imageName) = (imagePath, imageName)
        form = Form(["Name": name, "Memory (MiB)": "1024", "SSH key file": sshKey])
    }

    public var name: String { form["Name"] }
    public var memory: String { form["Memory (MiB)"] }
    public var sshKey: String { form["SSH key file"] }

    public func handle(_ key: Key, in state: inout AppState) -> [Effect] {
        handleForm(self, \.form, key, in: &state) { launch, state in
            let name = launch.name.trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else { return refuse(&state, "the VM needs a name") }
            guard let memory = Int(launch.memory), (128...1_048_576).contains(memory) else {
                return refuse(&state, "memory is in MiB, 128 or more")
            }
            let key = launch.sshKey.trimmingCharacters(in: .whitespaces)
            state.modal = nil
            setStatus(&state, "creating \(name) from \(launch.imageName)…", .info)
            return [.launch(imagePath: launch.imagePath, name: name, memoryMiB: memory, sshKeyPath: key.isEmpty ? nil : key)]
        }
    }

    public var hints: [(String, String)] { Self.formHints("create and start") }

    public func draw(_ buffer: inout Buffer, _ state: AppState, theme: Theme, glyphs: Glyphs) {
        drawForm(&buffer, title: "Launch a VM from \(imageName)",
                 intro: "An overlay on the image (never written), cloud-init with your key.", form,
                 hint: "Tab/↑↓ field   Enter create and start   Esc cancel", theme: theme, glyphs: glyphs)
    }
}
