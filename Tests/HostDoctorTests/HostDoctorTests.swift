import Foundation
import Testing
import TestTags
@testable import HostDoctor

/// A fake root filesystem for the probes, so every branch is tested without changing the real host.
struct FakeRoot {
    let root: String
    var files: HostFiles { HostFiles(root: root) }

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("virtlab-root-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    func write(_ path: String, _ text: String) throws {
        let full = files.path(path)
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: true, encoding: .utf8)
    }
}

extension HypervisorCPUID {
    /// A processor that says nothing of a hypervisor: fakes must not read the real one.
    static let none = HypervisorCPUID(present: false, signature: nil)
    static func guest(_ signature: String) -> HypervisorCPUID { HypervisorCPUID(present: true, signature: signature) }
}

/// Answers helper commands from a table; a missing entry means "not installed".
struct FakeRunner: CommandRunning {
    var answers: [String: CommandResult] = [:]
    func run(_ argv: [String]) -> CommandResult? { answers[argv.joined(separator: " ")] }
}

let intelCPUInfo = """
    processor\t: 0
    model name\t: Intel(R) Xeon(R) CPU E5-2690
    flags\t\t: fpu vme de pse tsc msr vmx ssse3 sse4_1
    processor\t: 1
    model name\t: Intel(R) Xeon(R) CPU E5-2690
    flags\t\t: fpu vme de pse tsc msr vmx ssse3 sse4_1

    """

@Suite(.tags(.pure)) struct CPUVirtualizationTests {
    @Test func findsIntelVTx() {
        let cpu = CPUVirtualization(cpuinfo: intelCPUInfo)
        #expect(cpu.extensions == ["vmx"])
        #expect(cpu.hasHardwareVirtualization)
        #expect(cpu.processorCount == 2)
        #expect(cpu.modelName == "Intel(R) Xeon(R) CPU E5-2690")
        #expect(!cpu.hypervisorFlag)
    }

    @Test func findsAMDV() {
        let cpu = CPUVirtualization(cpuinfo: "processor : 0\nflags : fpu svm lm\n")
        #expect(cpu.extensions == ["svm"])
        #expect(cpu.extensionNames == "svm (AMD-V)")
    }

    @Test func aGuestCPUWithoutNestedExtensions() {
        let cpu = CPUVirtualization(cpuinfo: "processor : 0\nflags : fpu lm hypervisor\n")
        #expect(!cpu.hasHardwareVirtualization)
        #expect(cpu.hypervisorFlag)
    }

    @Test func garbageIsNoFlagsNotACrash() {
        let cpu = CPUVirtualization(cpuinfo: "\u{0}\u{1}: :::\nflags\n:")
        #expect(cpu.extensions.isEmpty && cpu.processorCount == 0)
    }

    /// The verdict agrees with libvirt's own virt-host-validate on this very machine.
    @Test func verdictAgreesWithVirtHostValidate() throws {
        let validate = try #require(SystemCommandRunner().run(["virt-host-validate", "qemu"]),
                                    "virt-host-validate is missing: 'make test' installs libvirt-clients")
        let line = try #require(validate.stdout.split(separator: "\n").first { $0.contains("hardware virtualization") })
        let libvirtSaysPass = line.contains(": PASS")
        #expect(HostReport.collect().hardwareVirtualization == libvirtSaysPass, "virt-host-validate: \(line)")
    }
}

@Suite(.tags(.pure)) struct DetectionTests {
    @Test func dockerMarker() throws {
        let fake = try FakeRoot()
        try fake.write("/.dockerenv", "")
        let found = VirtualizationDetection.detect(files: fake.files, cpu: CPUVirtualization(cpuinfo: ""),
                                                   cpuid: .none, runner: FakeRunner())
        #expect(found.container == "docker" && found.summary == "docker")
        #expect(found.clues.contains { $0.contains("/.dockerenv") })
    }

    @Test func podmanMarkerAndSystemdEnvironmentWins() throws {
        let fake = try FakeRoot()
        try fake.write("/run/.containerenv", "")
        #expect(VirtualizationDetection.detect(files: fake.files, cpu: CPUVirtualization(cpuinfo: ""),
                                               cpuid: .none, runner: FakeRunner()).container == "podman")
        try fake.write("/proc/1/environ", "PATH=/bin\0container=lxc\0")
        #expect(VirtualizationDetection.detect(files: fake.files, cpu: CPUVirtualization(cpuinfo: ""),
                                               cpuid: .none, runner: FakeRunner()).container == "lxc")
    }

    @Test func kvmGuestFromDMI() throws {
        let fake = try FakeRoot()
        try fake.write("/sys/class/dmi/id/sys_vendor", "QEMU\n")
        try fake.write("/sys/class/dmi/id/product_name", "Standard PC (Q35 + ICH9, 2009)\n")
        let found = VirtualizationDetection.detect(files: fake.files,
                                                   cpu: CPUVirtualization(cpuinfo: "flags : hypervisor\n"),
                                                   cpuid: .none, runner: FakeRunner(answers: ["systemd-detect-virt": .init(
                                                       status: 0, stdout: "qemu\n", stderr: "")]))
        #expect(found.virtualMachine == "qemu" && found.container == nil && found.summary == "qemu")
        #expect(found.systemdDetectVirt == "qemu")
    }

    @Test func bareMetalIsNone() throws {
        let found = VirtualizationDetection.detect(files: try FakeRoot().files, cpu: CPUVirtualization(cpuinfo: intelCPUInfo),
                                                   cpuid: .none, runner: FakeRunner())
        #expect(found.summary == "none" && found.clues.isEmpty && found.systemdDetectVirt == nil)
    }

    /// The Firecracker/KVM guest of ../shared/captures: no DMI, the hypervisor flag, CPUID saying KVM.
    @Test func kvmGuestWithoutDMIIsKVMFromCPUID() throws {
        let fixture = HostFiles(root: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/firecracker-kvm-guest").path)
        let report = HostReport.collect(files: fixture, cpuid: .guest("KVMKVMKVM"), runner: FakeRunner(),
                                        engineSockets: [])
        #expect(report.detection.virtualMachine == "kvm" && report.detection.summary == "kvm")
        #expect(report.detection.clues == [#"CPUID leaf 0x40000000 says "KVMKVMKVM""#])
        #expect(report.cpu?.hypervisorFlag == true && !report.hardwareVirtualization)
        #expect(report.kvm.exists)
        let verdict = try #require(report.sections.flatMap(\.findings).first { $0.title == "Verdict" })
        #expect(verdict.value == "kvm")
    }

    @Test(arguments: [("KVMKVMKVM", "kvm"), ("Linux KVM Hv", "kvm"), ("XenVMMXenVMM", "xen"),
                      ("Microsoft Hv", "microsoft"), ("VMwareVMware", "vmware"), ("bhyve bhyve ", "bhyve"),
                      ("TCGTCGTCGTCG", "qemu")])
    func cpuidSignaturesAreNamedAsSystemdDoes(signature: String, name: String) throws {
        let found = VirtualizationDetection.detect(files: try FakeRoot().files,
                                                   cpu: CPUVirtualization(cpuinfo: "flags : hypervisor\n"),
                                                   cpuid: .guest(signature), runner: FakeRunner())
        #expect(found.virtualMachine == name)
    }

    /// CPUID names KVM under firmware that says QEMU; VirtualBox's firmware wins over its KVM-like CPU;
    /// Hyper-V's signature (worn by other hypervisors too) gives way to the firmware's name.
    @Test func cpuidAndFirmwareAreWeighedAsSystemdDoes() throws {
        let qemu = try FakeRoot()
        try qemu.write("/sys/class/dmi/id/sys_vendor", "QEMU\n")
        #expect(VirtualizationDetection.detect(files: qemu.files, cpu: CPUVirtualization(cpuinfo: ""),
                                               cpuid: .guest("KVMKVMKVM"), runner: FakeRunner()).virtualMachine == "kvm")
        #expect(VirtualizationDetection.detect(files: qemu.files, cpu: CPUVirtualization(cpuinfo: ""),
                                               cpuid: .guest("Microsoft Hv"), runner: FakeRunner()).virtualMachine == "qemu")
        let box = try FakeRoot()
        try box.write("/sys/class/dmi/id/product_name", "VirtualBox\n")
        #expect(VirtualizationDetection.detect(files: box.files, cpu: CPUVirtualization(cpuinfo: ""),
                                               cpuid: .guest("KVMKVMKVM"), runner: FakeRunner()).virtualMachine == "oracle")
    }

    @Test func anUnknownSignatureIsVMOtherAndQuoted() throws {
        let found = VirtualizationDetection.detect(files: try FakeRoot().files, cpu: CPUVirtualization(cpuinfo: ""),
                                                   cpuid: .guest("NewHyperVis"), runner: FakeRunner())
        #expect(found.virtualMachine == "vm-other")
        #expect(found.clues.first?.contains(#"CPUID signature "NewHyperVis" is not one systemd knows"#) == true)
    }

    /// The real processor here: its hypervisor, if any, is the one `systemd-detect-virt --vm` names.
    @Test func theRealCPUAgreesWithSystemdDetectVirtVM() throws {
        guard let systemd = SystemCommandRunner().run(["systemd-detect-virt", "--vm"]) else { return }
        let answer = systemd.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let found = VirtualizationDetection.detect(cpu: CPUVirtualization(cpuinfo: (try? HostFiles().read("/proc/cpuinfo").get()) ?? ""))
        #expect(found.virtualMachine ?? "none" == answer, "clues: \(found.clues)")
    }

    /// On this machine systemd-detect-virt exists; virtlab's own verdict must match it.
    @Test func agreesWithSystemdDetectVirtHere() throws {
        let report = HostReport.collect()
        if let systemd = report.detection.systemdDetectVirt {
            #expect(report.detection.summary == systemd)
        } else {
            #expect(SystemCommandRunner().run(["systemd-detect-virt"]) == nil)
        }
    }
}

@Suite(.tags(.pure)) struct IdentityTests {
    @Test func machineIDsThatAgreeAndDisagree() throws {
        let fake = try FakeRoot()
        try fake.write("/etc/machine-id", "3d1219c7c4c5404aaa1f6d2a48adfda4\n")
        try fake.write("/var/lib/dbus/machine-id", "3d1219c7c4c5404aaa1f6d2a48adfda4\n")
        #expect(SystemIdentity.probe(files: fake.files, runner: FakeRunner()).machineIDsAgree == true)
        try fake.write("/var/lib/dbus/machine-id", "00000000000000000000000000000001\n")
        #expect(SystemIdentity.probe(files: fake.files, runner: FakeRunner()).machineIDsAgree == false)
    }

    @Test func emptyMachineIDIsReportedAsEmpty() throws {
        let fake = try FakeRoot()
        try fake.write("/etc/machine-id", "")
        let identity = SystemIdentity.probe(files: fake.files, runner: FakeRunner())
        #expect(identity.machineID[0].value == nil)
        #expect(identity.machineID[0].problem == "/etc/machine-id is empty")
        #expect(identity.machineID[1].problem == "/var/lib/dbus/machine-id does not exist")
        #expect(identity.machineIDsAgree == nil)
    }

    @Test func unreadableDMIAndFailingDmidecodeSayWhy() throws {
        let identity = SystemIdentity.probe(files: try FakeRoot().files, runner: FakeRunner(answers: [
            "dmidecode -s system-uuid": .init(status: 1, stdout: "", stderr: "/dev/mem: No such file or directory\n"),
        ]))
        #expect(identity.systemUUID[0].problem == "/sys/class/dmi/id/product_uuid does not exist")
        #expect(identity.systemUUID[1].problem == "dmidecode: /dev/mem: No such file or directory")
    }

    @Test func systemUUIDFromDMIAndDmidecode() throws {
        let fake = try FakeRoot()
        try fake.write("/sys/class/dmi/id/product_uuid", "3254B142-9BAA-4CF8-A05D-DCF1AF403CD4\n")
        let identity = SystemIdentity.probe(files: fake.files, runner: FakeRunner(answers: [
            "dmidecode -s system-uuid": .init(status: 0, stdout: "3254B142-9BAA-4CF8-A05D-DCF1AF403CD4\n", stderr: ""),
        ]))
        #expect(identity.systemUUID.map(\.value) == ["3254b142-9baa-4cf8-a05d-dcf1af403cd4",
                                                     "3254b142-9baa-4cf8-a05d-dcf1af403cd4"])
    }

    /// Fingerprints match OpenSSH's own `ssh-keygen -lf` for freshly generated keys of each type.
    @Test(arguments: ["ed25519", "rsa", "ecdsa"])
    func hostKeyFingerprintsMatchSSHKeygen(type: String) throws {
        let fake = try FakeRoot()
        let keyPath = fake.files.path("/etc/ssh/ssh_host_\(type)_key")
        try FileManager.default.createDirectory(atPath: fake.files.path("/etc/ssh"), withIntermediateDirectories: true)
        let runner = SystemCommandRunner()
        let made = try #require(runner.run(["ssh-keygen", "-q", "-t", type, "-N", "", "-C", "root@lab", "-f", keyPath]),
                                "ssh-keygen is missing: 'make test' installs openssh-client")
        #expect(made.status == 0)
        let expected = try #require(runner.run(["ssh-keygen", "-lf", keyPath + ".pub"])).stdout
            .split(separator: " ")[1]
        let identity = SystemIdentity.probe(files: fake.files, runner: FakeRunner())
        #expect(identity.hostKeys.count == 1)
        #expect(identity.hostKeys.first?.fingerprint == String(expected))
        #expect(identity.hostKeys.first?.comment == "root@lab")
    }

    @Test func malformedPublicKeyIsSkipped() {
        #expect(SystemIdentity.hostKey(file: "x", publicKeyLine: "ssh-ed25519 !!!notbase64") == nil)
        #expect(SystemIdentity.hostKey(file: "x", publicKeyLine: "") == nil)
    }
}

@Suite(.tags(.pure)) struct ReportTests {
    @Test func missingKVMDeviceIsAbsentWithAReason() throws {
        let kvm = KVMDevice.probe(files: try FakeRoot().files)
        #expect(!kvm.exists && !kvm.usable)
        #expect(kvm.problem?.contains("kvm module") == true)
    }

    @Test func noEngineSocketIsReportedNotFatal() {
        let socket = EngineSocket.probe(path: "/nonexistent/engine.sock")
        #expect(!socket.accepts && socket.problem == "/nonexistent/engine.sock does not exist")
        let plainFile = EngineSocket.probe(path: "/etc/hostname")
        #expect(!plainFile.accepts)
    }

    @Test func dockerHostComesFirst() {
        let paths = EngineSocket.candidates(environment: ["DOCKER_HOST": "unix:///tmp/my.sock"])
        #expect(paths.first == "/tmp/my.sock")
        #expect(paths.contains("/run/podman/podman.sock") && paths.contains("/var/run/docker.sock"))
    }

    @Test func reportOfAFakeVTxHostSaysPass() throws {
        let fake = try FakeRoot()
        try fake.write("/proc/cpuinfo", intelCPUInfo)
        let report = HostReport.collect(files: fake.files, cpuid: .none, runner: FakeRunner(), engineSockets: [])
        #expect(report.hardwareVirtualization)
        let cpu = try #require(report.sections.first?.findings.first)
        #expect(cpu.status == .ok && cpu.value == "vmx (Intel VT-x)" && cpu.source == "/proc/cpuinfo flags")
    }

    @Test func unreadableCPUInfoIsSaidSo() throws {
        let report = HostReport.collect(files: try FakeRoot().files, cpuid: .none, runner: FakeRunner(), engineSockets: [])
        let cpu = try #require(report.sections.first?.findings.first)
        #expect(cpu.status == .unreadable && cpu.value == "/proc/cpuinfo does not exist")
        #expect(!report.hardwareVirtualization)
    }
}

/// The GPU section: what a GPU is, whether this machine is a guest given a physical one, whether it can go to a guest
/// whole (IOMMU, its group, its driver) or be split (SR-IOV, mediated types, MIG), each with where it was read.
@Suite(.tags(.pure)) struct GraphicsDeviceTests {
    static let capture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/firecracker-kvm-guest").path

    private func section(_ report: HostReport) throws -> [String: Finding] {
        let section = try #require(report.sections.first { $0.title == "GPUs and their virtualization" })
        return Dictionary(section.findings.map { ($0.title, $0) }) { first, _ in first }
    }

    /// The captured KVM guest with an H200 passed through: the GPU, that it is passed through to this machine (and
    /// nvidia-smi agrees), no IOMMU inside the guest, so nothing to pass on, and MIG possible but off.
    @Test func theCapturedGuestSeesItsPassedThroughGPU() throws {
        let nvidia = try String(contentsOfFile: Self.capture + "/nvidia-smi-q.txt", encoding: .utf8)
        let report = HostReport.collect(files: HostFiles(root: Self.capture), cpuid: .guest("KVMKVMKVM"),
                                        runner: FakeRunner(answers: ["nvidia-smi -q": CommandResult(status: 0, stdout: nvidia, stderr: "")]),
                                        engineSockets: [])
        #expect(report.graphics.devices.map(\.address) == ["0000:00:06.0"], "the virtio network device is no GPU")
        let findings = try section(report)
        #expect(findings["GPU 0000:00:06.0"]?.value == "NVIDIA 3D controller 10de:2335, driver nvidia")
        #expect(findings["Passed through to this machine"]?.value
                == "yes: this machine is a kvm guest and sees a physical NVIDIA GPU; nvidia-smi says Virtualization Mode: Pass-Through")
        #expect(findings["IOMMU"]?.status == .absent && findings["IOMMU"]?.value.contains("this kvm guest was given no virtual IOMMU") == true)
        #expect(findings["Give it to a guest whole"]?.status == .absent)
        #expect(findings["Split between guests"]?.value.hasPrefix("MIG: possible, disabled now") == true)
        let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        #expect(json.contains(#""address":"0000:00:06.0""#) && json.contains(#""virtualizationMode":"Pass-Through""#))
    }

    /// Without nvidia-smi the GPU is still found, and the report says what it could not ask.
    @Test func anNVIDIAGPUWithoutNvidiaSMIIsStillReported() throws {
        let report = HostReport.collect(files: HostFiles(root: Self.capture), cpuid: .guest("KVMKVMKVM"),
                                        runner: FakeRunner(), engineSockets: [])
        let findings = try section(report)
        #expect(findings["Passed through to this machine"]?.value == "yes: this machine is a kvm guest and sees a physical NVIDIA GPU")
        #expect(findings["nvidia-smi"]?.status == .unreadable && findings["nvidia-smi"]?.value == "nvidia-smi is not installed")
    }

    /// A bare-metal host with an IOMMU: a GPU whose group holds a bridge besides its own audio function (only the
    /// bridge is named), one bound to vfio-pci alone in its group, one split by SR-IOV and mediated types.
    @Test func aHostWithAnIOMMUSaysWhichGPUCanGoWholeAndWhichSplits() throws {
        let root = try FakeRoot()
        try root.gpu("0000:01:00.0", vendor: "0x10de", device: "0x2684", driver: "nvidia", group: "14")
        try root.device("0000:01:00.1", group: "14")
        try root.device("0000:00:01.0", group: "14")
        try root.gpu("0000:02:00.0", vendor: "0x1002", device: "0x744c", driver: "vfio-pci", group: "15")
        try root.gpu("0000:03:00.0", vendor: "0x10de", device: "0x20b5", driver: "nvidia", group: "16")
        try root.write("/sys/bus/pci/devices/0000:03:00.0/sriov_totalvfs", "16\n")
        try root.write("/sys/bus/pci/devices/0000:03:00.0/sriov_numvfs", "4\n")
        try root.write("/sys/bus/pci/devices/0000:03:00.0/mdev_supported_types/nvidia-700/name", "NVIDIA A100-4C\n")
        try root.write("/sys/bus/pci/devices/0000:03:00.0/mdev_supported_types/nvidia-700/available_instances", "10\n")
        try root.write("/sys/firmware/acpi/tables/DMAR", "")
        let graphics = GraphicsDevices.probe(files: root.files, runner: FakeRunner())
        let findings = graphics.section(guestOf: nil).findings
        let whole = findings.filter { $0.title == "Give it to a guest whole" }
        #expect(findings.first { $0.title == "IOMMU" }?.value == "on: 3 groups, ACPI DMAR table")
        #expect(whole.count == 3)
        #expect(whole[0].status == .warning && whole[0].value.hasPrefix("only with the rest of IOMMU group 14: 0000:00:01.0 would leave"))
        #expect(whole[0].value.contains("the host's nvidia driver holds it"))
        #expect(whole[1].status == .ok && whole[1].value == "yes: IOMMU group 15 is its own; bound to vfio-pci, ready")
        let split = findings.filter { $0.title == "Split between guests" }
        #expect(split[2].status == .ok && split[2].value == #"SR-IOV: 4 of 16 virtual functions enabled; mediated-device (vGPU) types: nvidia-700 "NVIDIA A100-4C" (10 available)"#)
        #expect(split[1].status == .absent)
        #expect(!findings.contains { $0.title == "Passed through to this machine" }, "bare metal is given nothing")
    }

    /// No IOMMU on bare metal: the remedy depends on whether the firmware describes one; an emulated display is no
    /// GPU to pass anywhere; no display at all is said in one line.
    @Test func noIOMMUEmulatedDisplaysAndNoGPUAreToldApart() throws {
        let root = try FakeRoot()
        try root.gpu("0000:00:02.0", vendor: "0x1b36", device: "0x0100", driver: "qxl", group: nil)
        try root.gpu("0000:00:03.0", vendor: "0x8086", device: "0x56a0", driver: "i915", group: nil)
        var findings = GraphicsDevices.probe(files: root.files, runner: FakeRunner()).section(guestOf: nil).findings
        #expect(findings.first { $0.title == "GPU 0000:00:02.0" }?.value.hasSuffix("a display the hypervisor emulates, no GPU behind it") == true)
        #expect(findings.filter { $0.title == "Give it to a guest whole" }.count == 1, "only the Intel GPU is assessed")
        #expect(findings.first { $0.title == "IOMMU" }?.value.contains("turn on VT-d (Intel) or AMD-Vi in the firmware setup") == true)
        try root.write("/sys/firmware/acpi/tables/IVRS", "")
        findings = GraphicsDevices.probe(files: root.files, runner: FakeRunner()).section(guestOf: nil).findings
        #expect(findings.first { $0.title == "IOMMU" }?.value.contains("(ACPI IVRS): boot with amd_iommu=on iommu=pt") == true)

        let empty = try FakeRoot()
        let none = GraphicsDevices.probe(files: empty.files, runner: FakeRunner()).section(guestOf: nil).findings
        #expect(none.map(\.value) == ["none: no display or 3D controller on the PCI bus"])
    }

    /// This machine: every display or 3D controller in /sys is in the report, and nothing else.
    @Test func theRealBusAgreesWithTheReport() throws {
        let classes = HostFiles().list("/sys/bus/pci/devices").filter {
            (try? String(contentsOfFile: "/sys/bus/pci/devices/\($0)/class", encoding: .utf8))?.hasPrefix("0x03") == true
        }
        #expect(GraphicsDevices.probe().devices.map(\.address) == classes)
    }
}

extension FakeRoot {
    func link(_ path: String, to target: String) throws {
        let full = files.path(path)
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: full, withDestinationPath: target)
    }

    /// A PCI device in /sys, in IOMMU group `group` (listed there too) if given.
    func device(_ address: String, classCode: String = "0x060400", vendor: String = "0x8086", device: String = "0x1234",
                driver: String? = nil, group: String?) throws {
        let base = "/sys/bus/pci/devices/\(address)"
        try write("\(base)/class", classCode + "\n")
        try write("\(base)/vendor", vendor + "\n")
        try write("\(base)/device", device + "\n")
        if let driver { try link("\(base)/driver", to: "../../../../bus/pci/drivers/\(driver)") }
        if let group {
            try link("\(base)/iommu_group", to: "../../../../kernel/iommu_groups/\(group)")
            try link("/sys/kernel/iommu_groups/\(group)/devices/\(address)", to: "../../../../devices/pci0000:00/\(address)")
        }
    }

    func gpu(_ address: String, vendor: String, device: String, driver: String, group: String?) throws {
        try self.device(address, classCode: "0x030000", vendor: vendor, device: device, driver: driver, group: group)
    }
}
