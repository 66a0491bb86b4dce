import CLibvirt
import Foundation

/// Where a hardware change took effect.
public enum HardwareChange: Sendable, Equatable {
    /// The running guest has it now, and so does the definition.
    case liveAndDefinition
    /// Only the definition: the VM is shut off, or the hypervisor cannot do it live (the reason).
    case definitionOnly(String?)

    /// "(now and from the next boot)" / "(from the next boot: …)".
    public var said: String {
        switch self {
        case .liveAndDefinition: "now and from the next boot"
        case .definitionOnly(nil): "in its definition, from the next start"
        case .definitionOnly(let why?): "in its definition only, from the next boot: \(why)"
        }
    }
}

/// vCPUs, memory and disks: the changes `virtlab vm set` and `vm disk` make, live where the hypervisor allows.
extension Domain {
    /// Sets the vCPU count in the definition, and in the running guest where QEMU can hot-plug them. Above the
    /// definition's maximum, the maximum is raised too, which only a restart applies.
    @discardableResult
    public func setVCPUs(_ count: Int) throws -> HardwareChange {
        guard count >= 1 else { throw Refusal(description: "a VM needs at least 1 vCPU") }
        let hostCPUs = try nodeInfo().cpus
        guard count <= hostCPUs else {
            throw Refusal(description: "cannot give '\(name)' \(count) vCPUs: the host has \(hostCPUs) CPUs")
        }
        let config = VIR_DOMAIN_AFFECT_CONFIG.rawValue, live = VIR_DOMAIN_AFFECT_LIVE.rawValue
        let maximum = VIR_DOMAIN_VCPU_MAXIMUM.rawValue
        let active = try info().state.isActive
        try requirePersistent(active, "vCPUs")
        let configMax = try check("read the vCPU maximum of '\(name)'", virDomainGetVcpusFlags(pointer, config | maximum))
        if count > configMax {
            try check("raise the vCPU maximum of '\(name)'", virDomainSetVcpusFlags(pointer, UInt32(count), config | maximum))
        }
        let liveMax = active
            ? try check("read the vCPU maximum of '\(name)'", virDomainGetVcpusFlags(pointer, live | maximum)) : 0
        return try liveElseDefinition("set the vCPUs of '\(name)'", active: active, fitsLive: count <= liveMax,
                                      limit: "the running guest's maximum is \(liveMax)", them: "them") {
            virDomainSetVcpusFlags(pointer, UInt32(count), $0)
        }
    }

    /// Sets the memory in MiB: the running guest's balloon where it fits under its maximum, and the definition
    /// (its maximum raised when needed, which only a restart applies).
    @discardableResult
    public func setMemory(mebibytes: Int) throws -> HardwareChange {
        guard mebibytes >= 16 else { throw Refusal(description: "\(mebibytes) MiB is too little memory for a VM (16 or more)") }
        let kib = UInt(mebibytes) * 1024
        let hostKiB = UInt(try nodeInfo().memory)
        guard kib <= hostKiB else {
            throw Refusal(description: "cannot give '\(name)' \(mebibytes) MiB: the host has \(hostKiB / 1024) MiB")
        }
        let config = VIR_DOMAIN_AFFECT_CONFIG.rawValue, maximum = VIR_DOMAIN_MEM_MAXIMUM.rawValue
        let current = try info()
        try requirePersistent(current.state.isActive, "memory")
        let definedMaxKiB = try DomainDetails(xml: xml(inactive: true), info: nil).maxMemoryKiB
        if UInt64(kib) > definedMaxKiB {
            try check("raise the memory maximum of '\(name)'", virDomainSetMemoryFlags(pointer, kib, config | maximum))
        }
        return try liveElseDefinition("set the memory of '\(name)'", active: current.state.isActive,
                                      fitsLive: UInt64(kib) <= current.maxMemoryKiB,
                                      limit: "the running guest's maximum is \(current.maxMemoryKiB / 1024) MiB", them: "it") {
            virDomainSetMemoryFlags(pointer, kib, $0)
        }
    }

    /// Attaches an image file as a virtio disk at `target` (vdb, ...), live too when the VM runs.
    @discardableResult
    public func attachDisk(path: String, target: String, format: String) throws -> HardwareChange {
        let details = try details()
        if let taken = details.disks.first(where: { $0.target == target }) {
            throw Refusal(description: "'\(name)' already has a disk at \(target) (\(taken.source ?? "empty"))")
        }
        if let same = details.disks.first(where: { $0.source == path }) {
            throw Refusal(description: "\(path) is already attached to '\(name)' as \(same.target)")
        }
        let xml = "<disk type='file' device='disk'><driver name='qemu' type='\(xmlEscaped(format))'/>"
            + "<source file='\(xmlEscaped(path))'/><target dev='\(xmlEscaped(target))' bus='virtio'/></disk>"
        return try changeDevice("attach \(path) to '\(name)' as \(target)", active: details.state?.isActive == true) {
            virDomainAttachDeviceFlags(pointer, xml, $0)
        }
    }

    /// Detaches the disk at `target`; the boot disk of a running VM is refused (the guest would lose its root).
    @discardableResult
    public func detachDisk(target: String) throws -> HardwareChange {
        let details = try details()
        let disks = details.disks.filter { $0.device == "disk" }
        guard let disk = details.disks.first(where: { $0.target == target }) else {
            throw Refusal(description: "'\(name)' has no disk \(target) (it has: "
                          + (details.disks.isEmpty ? "none" : details.disks.map(\.target).joined(separator: ", ")) + ")")
        }
        let active = details.state?.isActive == true
        if active, disk.device == "disk", disks.first?.target == target {
            throw Refusal(description: "cannot detach \(target) from '\(name)' while it runs: it is its boot disk; "
                          + "shut the VM down first")
        }
        let xml = "<disk type='file' device='\(xmlEscaped(disk.device))'><target dev='\(xmlEscaped(target))'/></disk>"
        return try changeDevice("detach \(target) from '\(name)'", active: active) {
            virDomainDetachDeviceFlags(pointer, xml, $0)
        }
    }

    /// A device change in the definition, and live too when the VM runs; when the running guest cannot take it
    /// (no hot-plug on its bus, no ACPI), the definition only, saying why.
    private func changeDevice(_ operation: String, active: Bool, _ call: (UInt32) -> Int32) throws -> HardwareChange {
        let config = VIR_DOMAIN_AFFECT_CONFIG.rawValue, live = VIR_DOMAIN_AFFECT_LIVE.rawValue
        guard try isPersistent() else {
            try check(operation, call(live))
            return .liveAndDefinition
        }
        guard active else {
            try check(operation, call(config))
            return .definitionOnly(nil)
        }
        if call(live | config) == 0 { return .liveAndDefinition }
        let why = LibvirtError.last(operation)
        // Only a refusal of the running guest falls back; a bad definition fails as it would have anyway.
        guard why.kind != .invalidDefinition, why.kind != .noSuchObject else { throw why }
        try check(operation, call(config))
        return .definitionOnly("the running guest could not take it (\(why.message))")
    }

    /// A setting changed in the running guest and the definition where it fits the guest's limit and the hypervisor
    /// takes it, else in the definition only, saying why; a VM that is not running, in the definition.
    private func liveElseDefinition(_ operation: String, active: Bool, fitsLive: Bool, limit: String, them: String,
                                    _ call: (UInt32) -> Int32) throws -> HardwareChange {
        let config = VIR_DOMAIN_AFFECT_CONFIG.rawValue, live = VIR_DOMAIN_AFFECT_LIVE.rawValue
        guard active else {
            try check(operation, call(config))
            return .definitionOnly(nil)
        }
        if fitsLive, call(live | config) == 0 { return .liveAndDefinition }
        let why = fitsLive ? "the hypervisor could not change \(them) live (\(LibvirtError.last("").message))" : limit
        virResetLastError()
        try check(operation, call(config))
        return .definitionOnly(why)
    }

    private func requirePersistent(_ active: Bool, _ what: String) throws {
        if !active, !(try isPersistent()) {
            throw Refusal(description: "'\(name)' has no definition to change the \(what) of")
        }
    }

    private func nodeInfo() throws -> virNodeInfo {
        var info = virNodeInfo()
        try check("read host info", virNodeGetInfo(virDomainGetConnect(pointer), &info))
        return info
    }
}
