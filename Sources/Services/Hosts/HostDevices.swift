import Foundation
import VirtKit

public typealias NodeDevice = VirtKit.NodeDevice

/// A host device and whether it can be given to a guest, with what stands in the way.
public struct AssessedDevice: Sendable, Codable {
    public enum Passthrough: String, Sendable, Codable {
        /// It can go to a guest as it is.
        case yes
        /// It can, with something to know first (its group, a driver the host uses).
        case caution
        case no
    }

    public let device: NodeDevice
    public let passthrough: Passthrough
    /// Why, in one line.
    public let reason: String

    /// "3D controller", "USB device", …: what its PCI class says.
    public var kind: String {
        if device.kind == .mdev { return "mediated device" }
        guard let code = device.classCode else { return "USB device" }
        let digits = code.replacingOccurrences(of: "0x", with: "")
        return Self.classes[String(digits.prefix(4))] ?? Self.classes[String(digits.prefix(2))] ?? "class \(code)"
    }

    /// Vendor and product, or a mediated device's type and parent.
    public var name: String {
        if device.kind == .mdev { return "\(device.mediatedType ?? "?") on \(device.parent ?? "?")" }
        return [device.vendor ?? device.vendorID, device.product ?? device.productID].joined(separator: " ")
    }

    public var isGPU: Bool { device.classCode?.replacingOccurrences(of: "0x", with: "").hasPrefix("03") == true }

    /// How it can be split between guests: SR-IOV virtual functions, mediated-device (vGPU) types.
    public var split: [String] {
        var ways: [String] = []
        if let most = device.maxVirtualFunctions, most > 0 {
            ways.append("SR-IOV: \(device.virtualFunctions.count) of \(most) virtual functions")
        }
        ways += device.mediatedTypes.map { type in
            "mdev \(type.id)" + (type.name.map { " \"\($0)\"" } ?? "") + (type.available.map { ", \($0) available" } ?? "")
        }
        return ways
    }

    static let classes = ["0300": "VGA controller", "0302": "3D controller", "03": "display controller",
                          "0200": "Ethernet controller", "02": "network controller", "0106": "SATA controller",
                          "0108": "NVMe controller", "01": "storage controller", "0403": "audio device", "04": "multimedia",
                          "0600": "host bridge", "0601": "ISA bridge", "0604": "PCI bridge", "06": "bridge",
                          "0c03": "USB controller", "0c05": "SMBus", "0c": "serial bus controller", "ff": "unassigned class"]
}

extension Hypervisor {
    /// The host's PCI and USB devices, each with whether it can go to a guest (`virtlab host devices`).
    public func hostDevices() throws -> [AssessedDevice] {
        HostDeviceAssessment.assess(try connection.nodeDevices())
    }
}

/// The rules, as VFIO has them: a PCI device goes to a guest with its whole IOMMU group, which needs the IOMMU on;
/// bridges in the group may stay; a driver on the host lets go when libvirt's managed passthrough rebinds the device
/// to vfio-pci. USB devices need none of that.
enum HostDeviceAssessment {
    static func assess(_ devices: [NodeDevice]) -> [AssessedDevice] {
        let byAddress = Dictionary(devices.filter { $0.kind == .pci }.map { ($0.address, $0) }) { first, _ in first }
        let iommuOn = devices.contains { $0.kind == .pci && $0.iommuGroup != nil }
        return devices.map { device in
            let (verdict, reason) = verdict(device, iommuOn: iommuOn, byAddress: byAddress)
            return AssessedDevice(device: device, passthrough: verdict, reason: reason)
        }
    }

    private static func verdict(_ device: NodeDevice, iommuOn: Bool,
                                byAddress: [String: NodeDevice]) -> (AssessedDevice.Passthrough, String) {
        switch device.kind {
        case .usb: return (.yes, "USB: no IOMMU needed; the guest takes it from the host")
        case .mdev:
            let parent = device.parent.map { " of \($0)" } ?? ""
            return (.yes, "a \(device.mediatedType ?? "mediated") slice\(parent): one guest has it, the parent's other slices stay")
        case .pci: break
        }
        if isBridge(device) { return (.no, "a bridge: the host's own PCI plumbing") }
        guard iommuOn else {
            return (.no, "the host's IOMMU is off (no IOMMU groups): turn on VT-d or AMD-Vi in the firmware and boot "
                    + "with intel_iommu=on (or amd_iommu=on) iommu=pt")
        }
        guard let group = device.iommuGroup else { return (.no, "in no IOMMU group") }
        // The card's other functions (its audio) go along; bridges may stay; any other endpoint must leave the host too.
        let slot = device.address.split(separator: ".").first.map(String.init) ?? device.address
        let others = device.iommuGroupMembers.filter { member in
            member != device.address && !member.hasPrefix(slot + ".") && !(byAddress[member].map(isBridge) ?? false)
        }
        let driverNote = switch device.driver {
        case "vfio-pci"?: "bound to vfio-pci"
        case let driver?: "the host's \(driver) driver lets go when it is given (managed)"
        case nil: "no driver holds it"
        }
        // The host's disks behind a storage controller in the same group would go with it: no.
        if let disks = others.compactMap({ byAddress[$0] }).first(where: { hostCritical($0) == "storage controller" && $0.driver != nil && $0.driver != "vfio-pci" }) {
            return (.no, "IOMMU group \(group) holds the host's storage controller \(disks.address) (\(disks.driver ?? "")): the host's "
                    + "disks would go with it; put the card in another slot")
        }
        if !others.isEmpty {
            let named = others.map { member in member + (byAddress[member]?.driver.map { " (\($0))" } ?? "") }
            return (.caution, "only with IOMMU group \(group): \(named.joined(separator: ", ")) must leave the host too; \(driverNote)")
        }
        if let driver = device.driver, driver != "vfio-pci", let kind = hostCritical(device) {
            return (.caution, "a \(kind) the host may be using (driver \(driver)): the host loses it while a guest has it")
        }
        let function = device.physicalFunction.map { "an SR-IOV virtual function of \($0); " } ?? ""
        return (.yes, "\(function)IOMMU group \(group); \(driverNote)")
    }

    private static func isBridge(_ device: NodeDevice) -> Bool {
        device.classCode?.replacingOccurrences(of: "0x", with: "").hasPrefix("06") == true
    }

    /// Storage and network controllers: the host's disk or link may be behind them.
    private static func hostCritical(_ device: NodeDevice) -> String? {
        let digits = device.classCode?.replacingOccurrences(of: "0x", with: "") ?? ""
        if digits.hasPrefix("01") { return "storage controller" }
        if digits.hasPrefix("02") { return "network controller" }
        return nil
    }
}

extension Hypervisor {
    /// The host device `spec` names: libvirt's name (pci_0000_65_00_0, usb_1_2), a PCI address (0000:65:00.0 or
    /// 65:00.0) or a USB bus:device (1:2), with whether it can go to a guest.
    public func hostDevice(_ spec: String) throws -> AssessedDevice {
        let all = try hostDevices()
        let wanted = spec.lowercased()
        let found = all.first { entry in
            entry.device.name == wanted || entry.device.address == wanted || entry.device.address == "0000:" + wanted
        }
        guard let found else {
            throw UserFacingError("no host device '\(spec)' on \(uri): see 'virtlab host devices' for their addresses")
        }
        return found
    }

    /// Gives the device to the VM (managed passthrough), where the assessment allows it: a device that cannot go to
    /// a guest is refused with the reason and nothing changes.
    public func attachHostDevice(_ spec: String, to vm: VM, scope: DeviceScope) throws -> String {
        let entry = try hostDevice(spec)
        guard entry.passthrough != .no else {
            throw UserFacingError("\(entry.device.address) cannot be given to \(vm.name): \(entry.reason)")
        }
        // A PCI or mediated device in another VM's definition: both could not run, and the one running holds it. (A
        // USB device is given by its IDs, which two sticks of one model share.)
        if entry.device.kind != .usb, let holder = ((try? connection.domains()) ?? []).first(where: { domain in
            domain.name != vm.name && ((try? domain.hostDevices()) ?? []).contains(entry.device.givenLabel)
        }) {
            throw UserFacingError("\(entry.device.address) is given to the VM \(holder.name) already: take it from there first "
                                  + "(virtlab vm hostdev detach \(holder.name) \(entry.device.address))")
        }
        try vm.domain.attachHostDevice(entry.device, scope: scope)
        return "gave \(entry.device.address) (\(entry.kind)) to \(vm.name)"
            + (entry.passthrough == .caution ? "; note: \(entry.reason)" : "")
    }

    public func detachHostDevice(_ spec: String, from vm: VM, scope: DeviceScope) throws -> String {
        let entry = try hostDevice(spec)
        guard try vm.domain.hostDevices().contains(entry.device.givenLabel) else {
            throw UserFacingError("\(vm.name) has no host device \(entry.device.address)")
        }
        try vm.domain.detachHostDevice(entry.device, scope: scope)
        return "took \(entry.device.address) from \(vm.name)"
    }

    /// Makes a mediated device (a vGPU instance) of `type` on the PCI device `parentSpec`, where the parent offers that
    /// type with an instance left; returns what to tell the user, with how to give it to a VM.
    public func createMediatedDevice(on parentSpec: String, type: String, uuid: String = UUID().uuidString.lowercased()) throws -> String {
        let parent = try hostDevice(parentSpec).device
        let offered = parent.mediatedTypes.map { type in type.id + (type.name.map { " (\($0))" } ?? "") }
        guard !offered.isEmpty else {
            throw UserFacingError("\(parent.address) offers no mediated devices (no mdev types: its driver does not split it); "
                                  + "see 'virtlab host devices' for the devices that do")
        }
        guard let wanted = parent.mediatedTypes.first(where: { $0.id == type }) else {
            throw UserFacingError("\(parent.address) offers no mediated type \(type): it offers \(offered.joined(separator: ", "))")
        }
        if let available = wanted.available, available < 1 {
            throw UserFacingError("no \(type) instance is left on \(parent.address) (0 available): remove one "
                                  + "(virtlab host device remove-mdev UUID) or pick another type")
        }
        do {
            let name = try connection.createMediatedDevice(parent: parent.name, type: type, uuid: uuid)
            return "made mediated device \(uuid) (\(name)): a \(type) slice of \(parent.address); give it to a VM with "
                + "virtlab vm hostdev attach NAME \(uuid)"
        } catch let error as LibvirtError {
            throw UserFacingError("libvirt could not make a \(type) mediated device on \(parent.address): \(error.message)")
        }
    }

    /// Removes a mediated device no running VM uses (libvirt refuses one in use).
    public func removeMediatedDevice(_ spec: String) throws -> String {
        let device = try hostDevice(spec).device
        guard device.kind == .mdev else {
            throw UserFacingError("\(device.address) is not a mediated device: 'virtlab host devices' lists those under mediated device")
        }
        try connection.destroyNodeDevice(device.name)
        return "removed mediated device \(device.address)"
    }

    /// Binds a PCI device to vfio-pci (or gives it back to its driver), where the assessment allows it.
    public func bindForPassthrough(_ spec: String, release: Bool) throws -> String {
        let entry = try hostDevice(spec)
        guard entry.device.kind == .pci else {
            throw UserFacingError("\(entry.device.address) is a \(entry.kind): it needs no binding, give it to a VM as it is")
        }
        if release {
            try connection.reattachNodeDevice(entry.device.name)
            return "gave \(entry.device.address) back to the host's driver"
        }
        guard entry.passthrough != .no else {
            throw UserFacingError("\(entry.device.address) cannot be bound to vfio-pci: \(entry.reason)")
        }
        try connection.detachNodeDevice(entry.device.name)
        return "bound \(entry.device.address) to vfio-pci: the host no longer uses it"
    }
}
