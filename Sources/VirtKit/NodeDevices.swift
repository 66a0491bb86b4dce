import CLibvirt
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A host device as libvirt's node-device API describes it (the host's udev, read by the daemon, so it works on a
/// remote host too): PCI functions with their IOMMU group and SR-IOV and mediated-device capabilities, USB devices,
/// and the mediated devices made on a parent (a vGPU instance).
public struct NodeDevice: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable { case pci, usb, mdev }

    public struct MediatedType: Sendable, Equatable, Codable {
        public let id: String
        public let name: String?
        public let available: Int?
    }

    /// libvirt's name for it: "pci_0000_01_00_0", "usb_1_2" (what `virsh nodedev-detach` takes).
    public let name: String
    public let kind: Kind
    /// "0000:01:00.0" for PCI, "1:2" (bus:device) for USB, its UUID for a mediated device.
    public let address: String
    public let vendorID: String
    public let vendor: String?
    public let productID: String
    public let product: String?
    /// PCI class code, "0x030200"; nil for USB.
    public let classCode: String?
    public let driver: String?
    public let iommuGroup: Int?
    /// Every PCI address in its IOMMU group, itself included.
    public let iommuGroupMembers: [String]
    /// SR-IOV: the most virtual functions it can have, and the ones it has (a physical function).
    public let maxVirtualFunctions: Int?
    public let virtualFunctions: [String]
    /// SR-IOV: the physical function this is a virtual function of.
    public let physicalFunction: String?
    public let mediatedTypes: [MediatedType]
    /// A mediated device's parent (libvirt's name for it) and type.
    public var parent: String? = nil
    public var mediatedType: String? = nil
}

extension Connection {
    /// PCI and USB devices of the host and its mediated devices, PCI first, each in address order.
    public func nodeDevices() throws -> [NodeDevice] {
        let conn = try handle("list host devices")
        let flags = VIR_CONNECT_LIST_NODE_DEVICES_CAP_PCI_DEV.rawValue | VIR_CONNECT_LIST_NODE_DEVICES_CAP_USB_DEV.rawValue
            | VIR_CONNECT_LIST_NODE_DEVICES_CAP_MDEV.rawValue
        let devices = try listAll("list host devices", { virConnectListAllNodeDevices(conn, $0, flags) },
                                  release: { virNodeDeviceFree($0) }) { device -> NodeDevice? in
            let name = String(cString: virNodeDeviceGetName(device))
            let xml = try check("read host device '\(name)'", takeString(virNodeDeviceGetXMLDesc(device, 0)))
            return try NodeDevice(xml: xml)
        }
        return devices.compactMap { $0 }.sorted { ($0.kind.rawValue, $0.address) < ($1.kind.rawValue, $1.address) }
    }
}

extension NodeDevice {
    /// From `virsh nodedev-dumpxml`'s XML; nil for a device that is neither PCI, USB nor mediated.
    init?(xml: String) throws {
        guard let root = try XMLDocument(xmlString: xml, options: []).rootElement() else { return nil }
        let name = root.text("name") ?? ""
        let driver = root.first("driver")?.text("name")
        if let pci = root.all("capability").first(where: { $0.attribute("type") == "pci" }) {
            let number = { (field: String) in Int(pci.text(field) ?? "") ?? 0 }
            let address = Self.pciAddress(domain: number("domain"), bus: number("bus"), slot: number("slot"),
                                          function: number("function"))
            let inner = pci.all("capability")
            let addresses = { (element: XMLElement?) -> [String] in (element?.all("address") ?? []).map(Self.pciAddress(_:)) }
            let functions = inner.first { $0.attribute("type") == "virt_functions" }
            let group = pci.first("iommuGroup")
            let types: [MediatedType] = (inner.first { $0.attribute("type") == "mdev_types" }?.all("type") ?? []).map {
                MediatedType(id: $0.attribute("id") ?? "", name: $0.text("name"),
                             available: $0.text("availableInstances").flatMap { Int($0) })
            }
            let physical: String? = addresses(inner.first { $0.attribute("type") == "phys_function" }).first
            self.init(name: name, kind: .pci, address: address,
                      vendorID: pci.first("vendor")?.attribute("id") ?? "", vendor: Self.named(pci.text("vendor")),
                      productID: pci.first("product")?.attribute("id") ?? "", product: Self.named(pci.text("product")),
                      classCode: pci.text("class"), driver: driver,
                      iommuGroup: group?.attribute("number").flatMap { Int($0) },
                      iommuGroupMembers: addresses(group),
                      maxVirtualFunctions: functions?.attribute("maxCount").flatMap { Int($0) },
                      virtualFunctions: addresses(functions), physicalFunction: physical, mediatedTypes: types)
            return
        }
        if let usb = root.all("capability").first(where: { $0.attribute("type") == "usb_device" }) {
            self.init(name: name, kind: .usb, address: "\(usb.text("bus") ?? "?"):\(usb.text("device") ?? "?")",
                      vendorID: usb.first("vendor")?.attribute("id") ?? "", vendor: Self.named(usb.text("vendor")),
                      productID: usb.first("product")?.attribute("id") ?? "", product: Self.named(usb.text("product")),
                      classCode: nil, driver: driver, iommuGroup: nil, iommuGroupMembers: [], maxVirtualFunctions: nil,
                      virtualFunctions: [], physicalFunction: nil, mediatedTypes: [])
            return
        }
        if let mdev = root.all("capability").first(where: { $0.attribute("type") == "mdev" }), let uuid = mdev.text("uuid") {
            self.init(name: name, kind: .mdev, address: uuid, vendorID: "", vendor: nil, productID: "", product: nil,
                      classCode: nil, driver: driver, iommuGroup: mdev.first("iommuGroup")?.attribute("number").flatMap { Int($0) },
                      iommuGroupMembers: [], maxVirtualFunctions: nil, virtualFunctions: [], physicalFunction: nil,
                      mediatedTypes: [], parent: root.text("parent"), mediatedType: mdev.first("type")?.attribute("id"))
            return
        }
        return nil
    }

    /// The database's name, where it has one (an unknown device's element is empty).
    private static func named(_ text: String?) -> String? {
        text.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
    }

    static func pciAddress(domain: Int, bus: Int, slot: Int, function: Int) -> String {
        String(format: "%04x:%02x:%02x.%x", domain, bus, slot, function)
    }

    /// `<address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>`.
    static func pciAddress(_ element: XMLElement) -> String {
        let field = { (name: String) in Int((element.attribute(name) ?? "0").replacingOccurrences(of: "0x", with: ""), radix: 16) ?? 0 }
        return pciAddress(domain: field("domain"), bus: field("bus"), slot: field("slot"), function: field("function"))
    }
}

extension NodeDevice {
    /// The `<hostdev>` that gives this device to a guest. Managed: libvirt binds a PCI device to vfio-pci when the
    /// guest starts and gives it back to its driver when the guest stops. A USB device is found by its IDs.
    public var hostdevXML: String {
        switch kind {
        case .pci:
            let parts = address.split(whereSeparator: { $0 == ":" || $0 == "." }).map(String.init)
            return "<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x\(parts[0])' bus='0x\(parts[1])' "
                + "slot='0x\(parts[2])' function='0x\(parts[3])'/></source></hostdev>"
        case .usb:
            return "<hostdev mode='subsystem' type='usb' managed='yes'><source><vendor id='\(xmlEscaped(vendorID))'/>"
                + "<product id='\(xmlEscaped(productID))'/></source></hostdev>"
        case .mdev:
            return "<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><address uuid='\(xmlEscaped(address))'/></source></hostdev>"
        }
    }

    /// How a VM's definition lists it once given (DomainDetails.hostDevices): read off the `<hostdev>` it is given
    /// with, so the two cannot disagree.
    public var givenLabel: String {
        guard let hostdev = try? XMLDocument(xmlString: hostdevXML, options: []).rootElement() else { return "" }
        return DomainDetails.hostDeviceLabel(hostdev)
    }
}

extension Domain {
    /// Gives the host device to the guest (`virsh attach-device`), in `scope` (empty: live if it runs, else its
    /// definition).
    public func attachHostDevice(_ device: NodeDevice, scope: DeviceScope = []) throws {
        try check("give \(device.address) to '\(name)'", virDomainAttachDeviceFlags(pointer, device.hostdevXML, scope.rawValue))
    }

    public func detachHostDevice(_ device: NodeDevice, scope: DeviceScope = []) throws {
        try check("take \(device.address) from '\(name)'", virDomainDetachDeviceFlags(pointer, device.hostdevXML, scope.rawValue))
    }
}

extension Connection {
    /// The XML that asks for a mediated device of `type` on `parent` (libvirt's name), known by `uuid`.
    public static func mediatedDeviceXML(parent: String, type: String, uuid: String) -> String {
        "<device><parent>\(xmlEscaped(parent))</parent><capability type='mdev'><type id='\(xmlEscaped(type))'/>"
            + "<uuid>\(xmlEscaped(uuid))</uuid></capability></device>"
    }

    /// Makes a mediated device (a vGPU instance; `virsh nodedev-create`), until the host restarts; returns its name.
    public func createMediatedDevice(parent: String, type: String, uuid: String) throws -> String {
        let operation = "make a \(type) mediated device on \(parent)"
        let conn = try handle(operation)
        guard let device = virNodeDeviceCreateXML(conn, Self.mediatedDeviceXML(parent: parent, type: type, uuid: uuid), 0) else {
            throw LibvirtError.last(operation)
        }
        defer { virNodeDeviceFree(device) }
        return String(cString: virNodeDeviceGetName(device))
    }

    /// Removes a mediated device (`virsh nodedev-destroy`).
    public func destroyNodeDevice(_ name: String) throws {
        try onNodeDevice(name, "remove \(name)") { virNodeDeviceDestroy($0) }
    }

    /// Binds a PCI device to vfio-pci, away from its host driver (`virsh nodedev-detach --driver vfio`).
    public func detachNodeDevice(_ name: String) throws {
        try onNodeDevice(name, "bind \(name) to vfio-pci") { virNodeDeviceDetachFlags($0, "vfio", 0) }
    }

    /// Gives a PCI device back to its host driver (`virsh nodedev-reattach`).
    public func reattachNodeDevice(_ name: String) throws {
        try onNodeDevice(name, "give \(name) back to the host") { virNodeDeviceReAttach($0) }
    }

    /// One libvirt call on the node device `name`, looked up and freed around it; a failure says `operation`.
    private func onNodeDevice(_ name: String, _ operation: String, _ call: (virNodeDevicePtr) -> Int32) throws {
        let conn = try handle(operation)
        guard let device = virNodeDeviceLookupByName(conn, name) else { throw LibvirtError.last(operation) }
        defer { virNodeDeviceFree(device) }
        try check(operation, call(device))
    }
}
