/// What /proc/cpuinfo says about hardware virtualization.
public struct CPUVirtualization: Sendable, Equatable, Codable {
    /// The virtualization extension flags found: "vmx" (Intel VT-x), "svm" (AMD-V).
    public let extensions: [String]
    /// The "hypervisor" flag: the CPU is a virtual one, so this system is itself a guest.
    public let hypervisorFlag: Bool
    public let modelName: String?
    public let processorCount: Int

    /// Same rule as `virt-host-validate qemu`'s "Checking for hardware virtualization" on x86.
    public var hasHardwareVirtualization: Bool { !extensions.isEmpty }

    public var extensionNames: String {
        extensions.map { $0 == "vmx" ? "vmx (Intel VT-x)" : $0 == "svm" ? "svm (AMD-V)" : $0 }
            .joined(separator: ", ")
    }

    public init(cpuinfo: String) {
        var flags = Set<String>()
        var model: String?
        var processors = 0
        for line in cpuinfo.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch key {
            case "flags": flags.formUnion(value.split(separator: " ").map(String.init))
            case "model name" where model == nil: model = value
            case "processor": processors += 1
            default: break
            }
        }
        extensions = ["vmx", "svm"].filter(flags.contains)
        hypervisorFlag = flags.contains("hypervisor")
        modelName = model
        processorCount = processors
    }
}
