/// A host's PCI or USB device as the dashboard's Devices pane lists it (`virtlab host devices`): what it is, what
/// holds it, and whether it can be given to a guest and why.
public struct HostDeviceRow: Sendable, Equatable {
    /// libvirt's node device name (pci_0000_65_00_0, usb_1_2).
    public let name: String
    /// A PCI address (0000:65:00.0) or a USB bus:device (1:2).
    public let address: String
    public let isPCI: Bool
    /// What its class says: "VGA controller", "USB device", …
    public let kind: String
    /// Vendor and product.
    public let device: String
    /// A display or 3D controller.
    public let isGPU: Bool
    public let driver: String?
    public let iommuGroup: Int?
    /// "yes", "caution" or "no".
    public let passthrough: String
    /// Why, in one line.
    public let reason: String
    /// How it can be split between guests (SR-IOV virtual functions, mediated-device types).
    public let splits: [String]

    public init(name: String, address: String, isPCI: Bool, kind: String, device: String, isGPU: Bool, driver: String?,
                iommuGroup: Int?, passthrough: String, reason: String, splits: [String]) {
        (self.name, self.address, self.isPCI, self.kind, self.device, self.isGPU) = (name, address, isPCI, kind, device, isGPU)
        (self.driver, self.iommuGroup, self.passthrough, self.reason, self.splits) = (driver, iommuGroup, passthrough, reason, splits)
    }

    /// The command that binds it to vfio-pci for passthrough, or gives it back to its host driver.
    public func bindCommand(release: Bool, uri: String) -> String {
        ShellWords.line(["virsh", "-c", uri] + (release ? ["nodedev-reattach", name] : ["nodedev-detach", name, "--driver", "vfio"]))
    }
}
