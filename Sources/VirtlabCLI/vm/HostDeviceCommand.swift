import ArgumentParser
import Foundation
import Inventory
import Services

/// `virtlab vm hostdev attach|detach NAME DEVICE`: a host's PCI, USB or mediated device given to a VM (passthrough).
struct HostDeviceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hostdev", abstract: "Give a host's PCI, USB or mediated device to a VM (passthrough), or take it back.",
        discussion: """
            DEVICE is a PCI address (0000:65:00.0 or 65:00.0), a USB bus:device (1:2), a mediated device's UUID \
            (see 'virtlab host device create-mdev'), or libvirt's name for it (pci_0000_65_00_0), as 'virtlab host \
            devices' lists them. A PCI device is given managed: libvirt binds it to vfio-pci while the guest runs \
            and gives it back to its driver after. A device that cannot go to a guest (the IOMMU off, a bridge, a \
            group with the host's disk controller) or that another VM has is refused with the reason; one whose \
            IOMMU group holds others is given with a note (they leave the host too).
            """,
        subcommands: [Attach.self, Detach.self])

    struct Attach: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give a host device to a VM.",
            discussion: "Same as: virsh attach-device NAME FILE.xml (a <hostdev managed='yes'>) [--live] [--config].")
        @OptionGroup var target: VMCommand.Target
        @Argument(help: "The host device (see 'virtlab host devices').") var device: String
        @OptionGroup var scope: VMCommand.NIC.Scope
        @OptionGroup var explain: ExplainOption

        func run() async throws {
            let host = try target.connection.open().0
            let command = ShellWords.line(["virsh", "-c", host.uri, "attach-device", target.name, "HOSTDEV.xml"] + scope.flags)
            try await ActionRunner.record(host.uri, "give \(device) to \(target.name)", command, explain: explain.explain) {
                try host.attachHostDevice(device, to: try host.vm(named: target.name), scope: scope.scope)
            }
        }
    }

    struct Detach: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take a host device back from a VM.",
            discussion: "Same as: virsh detach-device NAME FILE.xml [--live] [--config].")
        @OptionGroup var target: VMCommand.Target
        @Argument(help: "The host device.") var device: String
        @OptionGroup var scope: VMCommand.NIC.Scope
        @OptionGroup var explain: ExplainOption

        func run() async throws {
            let host = try target.connection.open().0
            let command = ShellWords.line(["virsh", "-c", host.uri, "detach-device", target.name, "HOSTDEV.xml"] + scope.flags)
            try await ActionRunner.record(host.uri, "take \(device) from \(target.name)", command, explain: explain.explain) {
                try host.detachHostDevice(device, from: try host.vm(named: target.name), scope: scope.scope)
            }
        }
    }
}
