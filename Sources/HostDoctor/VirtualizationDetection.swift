/// What this system runs on, as `systemd-detect-virt` tells it: a container, a virtual machine, or bare metal.
/// Each clue says where it was found, so a student can look there too.
public struct VirtualizationDetection: Sendable, Equatable, Codable {
    /// systemd-detect-virt's words for the container technology ("docker", "podman", "lxc", ...), if any.
    public let container: String?
    /// systemd-detect-virt's words for the hypervisor ("kvm", "qemu", "vmware", "oracle", "xen", "microsoft", ...),
    /// or "vm-other" when the CPU says "hypervisor" but nothing names it.
    public let virtualMachine: String?
    public let clues: [String]
    /// `systemd-detect-virt`'s own answer where the tool exists, for comparison.
    public let systemdDetectVirt: String?

    /// The single answer systemd-detect-virt gives: the container wins over the VM, "none" for bare metal.
    public var summary: String { container ?? virtualMachine ?? "none" }

    public static func detect(files: HostFiles = HostFiles(), cpu: CPUVirtualization,
                              cpuid: HypervisorCPUID = .current,
                              runner: CommandRunning = SystemCommandRunner()) -> VirtualizationDetection {
        var clues: [String] = []
        let container = detectContainer(files: files, clues: &clues)
        let vm = detectVM(files: files, cpu: cpu, cpuid: cpuid, clues: &clues)
        let systemd = runner.run(["systemd-detect-virt"]).map {
            $0.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return VirtualizationDetection(container: container, virtualMachine: vm, clues: clues,
                                       systemdDetectVirt: systemd?.isEmpty == false ? systemd : nil)
    }

    private static func detectContainer(files: HostFiles, clues: inout [String]) -> String? {
        if case .success(let environ) = files.read("/proc/1/environ"),
           let value = environ.split(separator: "\0").first(where: { $0.hasPrefix("container=") }) {
            let name = String(value.dropFirst("container=".count))
            clues.append("/proc/1/environ sets container=\(name)")
            return name
        }
        if case .success(let value) = files.read("/run/systemd/container") {
            let name = value.trimmingCharacters(in: .whitespacesAndNewlines)
            clues.append("/run/systemd/container says \(name)")
            return name
        }
        if files.exists("/run/.containerenv") {
            clues.append("/run/.containerenv exists (Podman marks its containers so)")
            return "podman"
        }
        if files.exists("/.dockerenv") {
            clues.append("/.dockerenv exists (Docker marks its containers so)")
            return "docker"
        }
        if case .success(let cgroup) = files.read("/proc/1/cgroup") {
            for (marker, name) in [("/docker/", "docker"), ("/lxc/", "lxc"), ("kubepods", "container-other"),
                                   ("/libpod-", "podman")] where cgroup.contains(marker) {
                clues.append("/proc/1/cgroup mentions \(marker)")
                return name
            }
        }
        return nil
    }

    /// systemd-detect-virt's order: Xen's own file; firmware that names VirtualBox, Xen or Amazon (their CPUs
    /// may say KVM or Xen underneath); then the CPU's hypervisor signature, which names KVM where the firmware
    /// says "QEMU" and is the only clue on a guest without DMI; then any other firmware name. Hyper-V's
    /// signature is also worn by other hypervisors offering its interfaces, so it counts only when nothing
    /// else names one.
    private static func detectVM(files: HostFiles, cpu: CPUVirtualization, cpuid: HypervisorCPUID,
                                 clues: inout [String]) -> String? {
        if case .success(let type) = files.read("/sys/hypervisor/type") {
            let name = type.trimmingCharacters(in: .whitespacesAndNewlines)
            clues.append("/sys/hypervisor/type says \(name)")
            return name
        }
        let firmware = firmwareVendor(files: files)
        if let firmware, ["oracle", "xen", "amazon"].contains(firmware.name) {
            clues.append(firmware.clue)
            return firmware.name
        }
        let signatureClue = cpuid.signature.map { "CPUID leaf 0x40000000 says \"\($0)\"" }
        if let name = cpuid.hypervisor, name != "microsoft", let signatureClue {
            clues.append(signatureClue)
            return name
        }
        if let firmware {
            clues.append(firmware.clue)
            return firmware.name
        }
        if let name = cpuid.hypervisor, let signatureClue {
            clues.append(signatureClue)
            return name
        }
        if cpu.hypervisorFlag || cpuid.present == true {
            let unknown = cpuid.signature.map { ", and its CPUID signature \"\($0)\" is not one systemd knows" } ?? ""
            clues.append("the CPU says a hypervisor is present (/proc/cpuinfo 'hypervisor' flag, CPUID leaf 1), "
                         + "but no DMI data names it\(unknown)")
            return "vm-other"
        }
        return nil
    }

    private static func firmwareVendor(files: HostFiles) -> (name: String, clue: String)? {
        let dmiVendors: [(String, String)] = [("KVM", "kvm"), ("QEMU", "qemu"), ("VMware", "vmware"),
                                              ("VirtualBox", "oracle"), ("innotek", "oracle"), ("Xen", "xen"),
                                              ("Microsoft Corporation", "microsoft"), ("Bochs", "bochs"),
                                              ("Parallels", "parallels"), ("Amazon EC2", "amazon"),
                                              ("Google", "google")]
        for file in ["/sys/class/dmi/id/product_name", "/sys/class/dmi/id/sys_vendor", "/sys/class/dmi/id/bios_vendor"] {
            guard case .success(let value) = files.read(file) else { continue }
            if let (marker, name) = dmiVendors.first(where: { value.contains($0.0) }) {
                return (name, "\(file) says \(marker)")
            }
        }
        return nil
    }
}
