import CHostSystem

/// What the processor itself says about a hypervisor: CPUID leaf 1's "hypervisor present" bit and the vendor
/// signature of leaf 0x40000000. A guest without firmware tables (Firecracker, cloud micro-VMs) has no DMI to
/// name its hypervisor, but its CPU still does; systemd-detect-virt reads the same leaf.
public struct HypervisorCPUID: Sendable, Equatable {
    /// Leaf 1, ECX bit 31. nil on a processor without CPUID (not x86).
    public let present: Bool?
    /// The 12 signature bytes as text with trailing NULs removed ("KVMKVMKVM"), when the bit is set.
    public let signature: String?

    public init(present: Bool?, signature: String?) {
        self.present = present
        self.signature = signature
    }

    /// The processor this runs on.
    public static var current: HypervisorCPUID {
        var bytes = [CChar](repeating: 0, count: 13)
        let answer = vl_cpuid_hypervisor(&bytes)
        guard answer >= 0 else { return HypervisorCPUID(present: nil, signature: nil) }
        guard answer == 1 else { return HypervisorCPUID(present: false, signature: nil) }
        let raw = bytes.prefix(12).map { UInt8(bitPattern: $0) }
        let text = String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        return HypervisorCPUID(present: true, signature: text)
    }

    /// systemd-detect-virt's word for the signature, or nil for one it does not know.
    public var hypervisor: String? {
        guard let signature else { return nil }
        return Self.names.first { signature.hasPrefix($0.signature) }?.name
    }

    /// The signatures systemd-detect-virt knows (src/basic/virt.c), with its names for them.
    static let names: [(signature: String, name: String)] = [
        ("KVMKVMKVM", "kvm"), ("Linux KVM Hv", "kvm"), ("TCGTCGTCGTCG", "qemu"), ("XenVMMXenVMM", "xen"),
        ("VMwareVMware", "vmware"), ("Microsoft Hv", "microsoft"), ("bhyve bhyve ", "bhyve"),
        ("VBoxVBoxVBox", "oracle"), ("ACRNACRNACRN", "acrn"), ("QNXQVMBSQG", "qnx"), ("___ NVMM ___", "nvmm"),
        ("SRESRESRESRE", "sre"),
    ]
}
