import CLibvirt
import Foundation

/// A libvirt domain (virtual machine). Holds libvirt's handle, which keeps its connection alive.
public final class Domain: @unchecked Sendable {
    let pointer: OpaquePointer
    public let name: String
    public let uuid: String

    init(taking pointer: OpaquePointer) {
        self.pointer = pointer
        self.name = String(cString: virDomainGetName(pointer))
        self.uuid = uuidString(of: pointer)
    }

    deinit { virDomainFree(pointer) }

    /// The hypervisor's id while running, nil when inactive.
    public var id: Int? {
        let value = virDomainGetID(pointer)
        return value == UInt32.max ? nil : Int(value)
    }

    public func info() throws -> DomainInfo {
        var raw = virDomainInfo()
        try check("read info of '\(name)'", virDomainGetInfo(pointer, &raw))
        var reason: Int32 = 0
        var state: Int32 = 0
        try check("read state of '\(name)'", virDomainGetState(pointer, &state, &reason, 0))
        return DomainInfo(name: name, uuid: uuid, id: id, state: DomainState(libvirt: state), reason: reason,
                          maxMemoryKiB: UInt64(raw.maxMem), memoryKiB: UInt64(raw.memory),
                          vcpus: Int(raw.nrVirtCpu), cpuTimeNs: raw.cpuTime)
    }

    public func isPersistent() throws -> Bool {
        try check("read persistence of '\(name)'", virDomainIsPersistent(pointer)) == 1
    }

    public func autostart() throws -> Bool {
        var value: Int32 = 0
        try check("read autostart of '\(name)'", virDomainGetAutostart(pointer, &value))
        return value != 0
    }

    public func setAutostart(_ enabled: Bool) throws {
        try check("set autostart of '\(name)'", virDomainSetAutostart(pointer, enabled ? 1 : 0))
    }

    /// The domain's XML; `inactive` gives the persistent definition rather than the live one.
    public func xml(inactive: Bool = false) throws -> String {
        let flags = inactive ? VIR_DOMAIN_XML_INACTIVE.rawValue : 0
        return try check("dump XML of '\(name)'", takeString(virDomainGetXMLDesc(pointer, flags)))
    }

    /// Everything a detail view shows: identity, resources, disks and NICs (with addresses where known).
    public func details() throws -> DomainDetails {
        let info = try info()
        var details = try DomainDetails(xml: xml(), info: info)
        details.persistent = try isPersistent()
        details.autostart = details.persistent ? try autostart() : false
        if info.state.isActive { details.attachAddresses(interfaceAddresses()) }
        return details
    }

    /// Addresses per MAC from DHCP leases, then from the guest agent; empty where neither knows.
    public func interfaceAddresses() -> [String: [String]] {
        var byMAC: [String: [String]] = [:]
        for source in [VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE, VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT] {
            var ifaces: UnsafeMutablePointer<virDomainInterfacePtr?>?
            let count = virDomainInterfaceAddresses(pointer, &ifaces, source.rawValue, 0)
            guard count > 0, let ifaces else {
                virResetLastError()  // no leases or no agent is normal, not an error to report
                continue
            }
            for index in 0..<Int(count) {
                guard let iface = ifaces[index] else { continue }
                if let hwaddr = iface.pointee.hwaddr {
                    let mac = String(cString: hwaddr).lowercased()
                    let addrs = (0..<Int(iface.pointee.naddrs)).compactMap { i -> String? in
                        guard let addr = iface.pointee.addrs?[i].addr else { return nil }
                        return "\(String(cString: addr))/\(iface.pointee.addrs![i].prefix)"
                    }
                    if byMAC[mac] == nil { byMAC[mac] = addrs.filter { !$0.hasPrefix("127.") && !$0.hasPrefix("::1") } }
                }
                virDomainInterfaceFree(iface)
            }
            free(ifaces)
            if !byMAC.isEmpty { break }
        }
        return byMAC
    }

    // MARK: - Lifecycle

    public func start() throws { try check("start '\(name)'", virDomainCreate(pointer)) }
    /// Asks the guest to shut down (ACPI or agent); it may ignore the request.
    public func shutdown() throws { try check("shut down '\(name)'", virDomainShutdown(pointer)) }
    public func reboot() throws { try check("reboot '\(name)'", virDomainReboot(pointer, 0)) }
    /// Pulls the plug: stops the domain at once, like `virsh destroy`.
    public func forceOff() throws { try check("force off '\(name)'", virDomainDestroy(pointer)) }
    /// The reset button: the guest restarts at once, neither asked nor stopped.
    public func reset() throws { try check("reset '\(name)'", virDomainReset(pointer, 0)) }
    public func suspend() throws { try check("pause '\(name)'", virDomainSuspend(pointer)) }
    public func resume() throws { try check("resume '\(name)'", virDomainResume(pointer)) }

    /// Removes the definition (with its snapshot metadata, managed save and NVRAM). With `removeStorage`,
    /// deletes each disk that a storage pool manages; disks outside any pool are left and reported.
    @discardableResult
    public func undefine(removeStorage: Bool = false) throws -> UndefineResult {
        let disks = removeStorage ? (try DomainDetails(xml: xml(inactive: true), info: nil)).disks : []
        let portable = VIR_DOMAIN_UNDEFINE_MANAGED_SAVE.rawValue | VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA.rawValue
        let full = portable | VIR_DOMAIN_UNDEFINE_NVRAM.rawValue | VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA.rawValue
        // Drivers without NVRAM or checkpoints refuse those flags (as virsh finds too): retry without them.
        if virDomainUndefineFlags(pointer, full) < 0 {
            let first = LibvirtError.last("undefine '\(name)'")
            guard first.code == Int32(VIR_ERR_INVALID_ARG.rawValue) || first.kind == .unsupported else { throw first }
            try check("undefine '\(name)'", virDomainUndefineFlags(pointer, portable))
        }
        var result = UndefineResult()
        guard let conn = virDomainGetConnect(pointer) else { return result }
        for disk in disks where disk.device == "disk" {
            guard let path = disk.source else { continue }
            guard let volume = virStorageVolLookupByPath(conn, path) else {
                virResetLastError()
                result.keptOutsidePools.append(path)
                continue
            }
            defer { virStorageVolFree(volume) }
            if virStorageVolDelete(volume, 0) == 0 {
                result.removedVolumes.append(path)
            } else {
                result.failures.append(LibvirtError.last("delete volume \(path)"))
            }
        }
        return result
    }
}

public struct UndefineResult: Sendable {
    public var removedVolumes: [String] = []
    /// Disk files no storage pool manages: libvirt cannot delete them safely, so they stay.
    public var keptOutsidePools: [String] = []
    public var failures: [LibvirtError] = []
}

public struct DomainInfo: Sendable, Equatable, Codable {
    public let name: String
    public let uuid: String
    public let id: Int?
    public let state: DomainState
    public let reason: Int32
    public let maxMemoryKiB: UInt64
    public let memoryKiB: UInt64
    public let vcpus: Int
    public let cpuTimeNs: UInt64

    public var reasonLabel: String { state.reason(reason) }
}
