/// One line of the host report: what was found and where virtlab looked.
public struct Finding: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable {
        /// Present and working.
        case ok
        /// Looked for, not there.
        case absent
        /// There, but something the user should know or fix.
        case warning
        /// Could not be read here, and the report says why.
        case unreadable
        /// A plain fact.
        case info
    }

    public let status: Status
    public let title: String
    public let value: String
    /// Where virtlab looked: a file, a command, an API.
    public let source: String

    public init(_ status: Status, _ title: String, _ value: String, source: String) {
        self.status = status
        self.title = title
        self.value = value
        self.source = source
    }
}

public struct ReportSection: Sendable, Equatable, Codable {
    public let title: String
    public var findings: [Finding]

    public init(title: String, findings: [Finding]) {
        self.title = title
        self.findings = findings
    }
}

/// The host virtualization report behind `virtlab doctor`, built from probes that each say where they looked.
public struct HostReport: Sendable, Codable {
    public let cpu: CPUVirtualization?
    public let kvm: KVMDevice
    public let detection: VirtualizationDetection
    public let identity: SystemIdentity
    public let engines: [EngineSocket]
    public let graphics: GraphicsDevices
    public var sections: [ReportSection]

    /// The hardware-virtualization verdict, by virt-host-validate's rule: vmx or svm in /proc/cpuinfo.
    public var hardwareVirtualization: Bool { cpu?.hasHardwareVirtualization ?? false }

    public static func collect(files: HostFiles = HostFiles(), cpuid: HypervisorCPUID = .current,
                               runner: CommandRunning = SystemCommandRunner(),
                               engineSockets: [String] = EngineSocket.candidates()) -> HostReport {
        let cpuinfo = files.read("/proc/cpuinfo")
        let cpu = try? cpuinfo.get()
        let cpuFacts = cpu.map(CPUVirtualization.init(cpuinfo:))
        let kvm = KVMDevice.probe(files: files)
        let detection = VirtualizationDetection.detect(files: files, cpu: cpuFacts ?? CPUVirtualization(cpuinfo: ""),
                                                       cpuid: cpuid, runner: runner)
        let identity = SystemIdentity.probe(files: files, runner: runner)
        let engines = engineSockets.map(EngineSocket.probe(path:))
        let graphics = GraphicsDevices.probe(files: files, runner: runner)

        var report = HostReport(cpu: cpuFacts, kvm: kvm, detection: detection, identity: identity, engines: engines,
                                graphics: graphics, sections: [])
        report.sections = [
            cpuSection(cpuFacts, readFailure: cpuinfo.failureDescription, kvm: kvm),
            detectionSection(detection),
            identitySection(identity),
            engineSection(engines),
            graphics.section(guestOf: detection.container == nil ? detection.virtualMachine : nil),
        ]
        return report
    }

    private static func cpuSection(_ cpu: CPUVirtualization?, readFailure: String?, kvm: KVMDevice) -> ReportSection {
        var findings: [Finding] = []
        if let cpu {
            findings.append(cpu.hasHardwareVirtualization
                ? Finding(.ok, "CPU virtualization extensions", cpu.extensionNames, source: "/proc/cpuinfo flags")
                : Finding(.absent, "CPU virtualization extensions",
                          "none: no vmx (Intel VT-x) or svm (AMD-V) flag; guests run emulated (QEMU TCG), slowly",
                          source: "/proc/cpuinfo flags"))
            if let model = cpu.modelName {
                findings.append(Finding(.info, "CPU", "\(model), \(cpu.processorCount) logical processors",
                                        source: "/proc/cpuinfo"))
            }
        } else {
            findings.append(Finding(.unreadable, "CPU virtualization extensions", readFailure ?? "unreadable",
                                    source: "/proc/cpuinfo"))
        }
        findings.append(kvm.usable
            ? Finding(.ok, "KVM device", "\(kvm.path) exists and opens read-write", source: kvm.path)
            : Finding(kvm.exists ? .warning : .absent, "KVM device", kvm.problem ?? "unusable", source: kvm.path))
        if kvm.usable && !(cpu?.hasHardwareVirtualization ?? false) {
            findings.append(Finding(.warning, "KVM without CPU extensions",
                                    "\(kvm.path) opens, but the CPU shows no vmx/svm: nested KVM may hang; prefer TCG",
                                    source: "/proc/cpuinfo, \(kvm.path)"))
        }
        return ReportSection(title: "Hardware virtualization", findings: findings)
    }

    private static func detectionSection(_ detection: VirtualizationDetection) -> ReportSection {
        var findings = [
            Finding(detection.container == nil ? .absent : .info, "Running in a container",
                    detection.container.map { "yes: \($0)" } ?? "no container markers found",
                    source: "/proc/1/environ, /run/systemd/container, /run/.containerenv, /.dockerenv, /proc/1/cgroup"),
            Finding(detection.virtualMachine == nil ? .absent : .info, "Running in a virtual machine",
                    detection.virtualMachine.map { "yes: \($0)" } ?? "no hypervisor found",
                    source: "/sys/hypervisor/type, /sys/class/dmi/id, CPUID leaf 0x40000000, /proc/cpuinfo hypervisor flag"),
        ]
        findings += detection.clues.map { Finding(.info, "clue", $0, source: "detection") }
        findings.append(Finding(.info, "Verdict", detection.summary, source: "virtlab's detection"))
        findings.append(detection.systemdDetectVirt.map {
            Finding($0 == detection.summary ? .ok : .warning, "systemd-detect-virt", $0, source: "systemd-detect-virt")
        } ?? Finding(.absent, "systemd-detect-virt", "not installed", source: "PATH"))
        return ReportSection(title: "What this system runs on", findings: findings)
    }

    private static func identitySection(_ identity: SystemIdentity) -> ReportSection {
        var findings = identity.systemUUID.map { reading in
            Finding(reading.value == nil ? .unreadable : .ok, "System UUID (DMI)",
                    reading.value ?? reading.problem ?? "unreadable", source: reading.source)
        }
        findings += identity.machineID.map { reading in
            Finding(reading.value == nil ? .unreadable : .ok, "D-Bus machine id",
                    reading.value ?? reading.problem ?? "unreadable", source: reading.source)
        }
        if let agree = identity.machineIDsAgree {
            findings.append(Finding(agree ? .ok : .warning, "machine-id files agree",
                                    agree ? "yes" : "no: D-Bus and systemd disagree about this machine's identity",
                                    source: "/etc/machine-id, /var/lib/dbus/machine-id"))
        }
        if identity.hostKeys.isEmpty {
            findings.append(Finding(.absent, "SSH host keys", "none (is openssh-server installed?)",
                                    source: "\(identity.hostKeyDirectory)/ssh_host_*_key.pub"))
        }
        findings += identity.hostKeys.map { key in
            Finding(.ok, "SSH host key", "\(key.type) \(key.fingerprint)", source: key.file)
        }
        return ReportSection(title: "Identity", findings: findings)
    }

    private static func engineSection(_ engines: [EngineSocket]) -> ReportSection {
        let listening = engines.filter(\.accepts)
        if listening.isEmpty {
            return ReportSection(title: "Container engine", findings: [
                Finding(.absent, "Docker-compatible engine socket",
                        "none accepts connections (start Podman's service or Docker, or set DOCKER_HOST)",
                        source: engines.map(\.path).joined(separator: ", ")),
            ])
        }
        return ReportSection(title: "Container engine", findings: listening.map {
            Finding(.ok, "Docker-compatible engine socket", "\($0.path) accepts connections", source: $0.path)
        })
    }
}

extension Result {
    var failureDescription: String? {
        if case .failure(let error) = self { return "\(error)" }
        return nil
    }
}
