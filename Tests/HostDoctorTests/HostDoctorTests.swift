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
