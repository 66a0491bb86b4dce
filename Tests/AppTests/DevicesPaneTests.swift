import Inventory
import Testing
import TestTags
import TermUI
@testable import App

/// The Devices pane: the host's PCI and USB devices read when it is shown, each with its passthrough verdict and
/// why; GPUs alone on request; binding to vfio-pci asks first, names the virsh line and is refused where it cannot be.
@Suite(.tags(.pure)) struct DevicesPaneTests {
    static let gpu = HostDeviceRow(name: "pci_0000_65_00_0", address: "0000:65:00.0", isPCI: true, kind: "3D controller",
                                   device: "NVIDIA Corporation GH100 [H200 SXM 141GB]", isGPU: true, driver: "nvidia", iommuGroup: 12,
                                   passthrough: "yes", reason: "IOMMU group 12; the host's nvidia driver lets go when it is given (managed)",
                                   splits: [#"mdev nvidia-1000 "NVIDIA H200-4C", 35 available"#])
    static let disks = HostDeviceRow(name: "pci_0000_00_17_0", address: "0000:00:17.0", isPCI: true, kind: "SATA controller",
                                     device: "Intel Corporation SATA AHCI", isGPU: false, driver: "ahci", iommuGroup: 6, passthrough: "no",
                                     reason: "IOMMU group 6 holds the host's storage controller 0000:00:17.0 (ahci)", splits: [])
    static let stick = HostDeviceRow(name: "usb_1_2", address: "1:2", isPCI: false, kind: "USB device",
                                     device: "SanDisk Corp. Cruzer Blade", isGPU: false, driver: nil, iommuGroup: nil, passthrough: "yes",
                                     reason: "USB: no IOMMU needed", splits: [])

    func press(_ state: inout AppState, _ keys: Key...) -> [Effect] { keys.flatMap { update(&state, .key($0)) } }

    @Test func theHostsDevicesAreReadWhenShownAndEachSaysWhetherItCanGoToAGuest() throws {
        var state = DashboardFixture.state()
        #expect(press(&state, .character("9")) == [.fetchHostDevices(connection: state.uri)])
        #expect(view(state, size: Size(width: 80, height: 24), theme: .builtIn, glyphs: .unicode).text.contains("reading the host's devices…"))
        _ = update(&state, .hostDevices(connection: state.uri, [Self.disks, Self.gpu, Self.stick]))
        #expect(press(&state, .character("8"), .character("9")).isEmpty, "read once; r reads again")
        _ = press(&state, .down)
        let screen = view(state, size: Size(width: 80, height: 24), theme: .builtIn, glyphs: .unicode)
        try assertSnapshot(screen, named: "devices-80x24")
        #expect(screen.text.contains("Splits     mdev nvidia-1000"))
        #expect(press(&state, .character("r")) == [.fetchHostDevices(connection: state.uri)])

        _ = press(&state, .character("o"))
        #expect(state.visibleHostDevices == [Self.gpu], "o: GPUs only")
        _ = press(&state, .character("o"))
        #expect(state.visibleHostDevices.count == 3)
    }

    @Test func bindingAsksNamesTheCommandAndIsRefusedWhereItCannotBe() {
        var state = DashboardFixture.state()
        _ = press(&state, .character("9"))
        _ = update(&state, .hostDevices(connection: state.uri, [Self.disks, Self.gpu, Self.stick]))
        #expect(press(&state, .character("b")).isEmpty && state.modal == nil)
        #expect(state.status?.text == "0000:00:17.0 cannot be bound to vfio-pci: IOMMU group 6 holds the host's storage controller 0000:00:17.0 (ahci)")
        _ = press(&state, .down, .down)
        #expect(press(&state, .character("b")).isEmpty && state.modal == nil)
        #expect(state.status?.text.hasPrefix("1:2 is a USB device") == true)
        _ = press(&state, .up)
        #expect(press(&state, .character("b")).isEmpty)
        let text = view(state, size: Size(width: 80, height: 24), theme: .builtIn, glyphs: .unicode).text
        #expect(text.contains("Bind 0000:65:00.0 to vfio-pci?") && text.contains("nodedev-detach pci_0000_65_00_0 --driver vfio"), "\(text)")
        #expect(press(&state, .character("n")).isEmpty && state.status?.text == "bind 0000:65:00.0: cancelled")
        _ = press(&state, .character("B"))
        let effects = press(&state, .character("y"))
        #expect(effects == [.bindHostDevice(connection: state.uri, Self.gpu, release: true)])
        #expect(effects.first?.logged(uri: state.uri)?.command == "virsh -c \(state.uri) nodedev-reattach pci_0000_65_00_0")
    }
}
