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

    /// Every CPU flag any processor lists.
    public static func flags(cpuinfo: String) -> Set<String> {
        Set(fields(cpuinfo).filter { $0.key == "flags" }.flatMap { $0.value.split(separator: " ").map(String.init) })
    }

    /// "key : value" lines of /proc/cpuinfo.
    private static func fields(_ cpuinfo: String) -> [(key: String, value: String)] {
        cpuinfo.split(separator: "\n").compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (line[..<colon].trimmingCharacters(in: .whitespaces),
                    line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
    }

    public var extensionNames: String {
        extensions.map { $0 == "vmx" ? "vmx (Intel VT-x)" : $0 == "svm" ? "svm (AMD-V)" : $0 }
            .joined(separator: ", ")
    }

    public init(cpuinfo: String) {
        var model: String?
        var processors = 0
        for (key, value) in Self.fields(cpuinfo) {
            switch key {
            case "model name" where model == nil: model = value
            case "processor": processors += 1
            default: break
            }
        }
        let flags = Self.flags(cpuinfo: cpuinfo)
        extensions = ["vmx", "svm"].filter(flags.contains)
        hypervisorFlag = flags.contains("hypervisor")
        modelName = model
        processorCount = processors
    }
}
