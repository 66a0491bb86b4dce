/// The machine's graphics processors as the PCI bus in /sys shows them, and what virtualization can do with each:
/// hand it to a guest whole (an IOMMU, a group of its own, a driver that lets go), split it (SR-IOV virtual
/// functions, mediated-device types such as NVIDIA vGPU, MIG), or — on a guest — whether it is itself a physical
/// GPU passed through to this machine.
public struct GraphicsDevices: Sendable, Equatable, Codable {
    public struct Device: Sendable, Equatable, Codable {
        public struct VirtualFunctions: Sendable, Equatable, Codable {
            public let total: Int
            public let enabled: Int
        }

        public struct MediatedType: Sendable, Equatable, Codable {
            public let id: String
            public let name: String?
            public let available: Int?
        }

        /// The PCI address, "0000:00:06.0".
        public let address: String
        public let vendorID: String
        public let deviceID: String
        /// The PCI class code, "0x030200".
        public let classCode: String
        public let driver: String?
        public let iommuGroup: String?
        /// The other devices of its IOMMU group: a guest gets the whole group or nothing.
        public let groupPeers: [String]
        /// SR-IOV: how many virtual functions it can have and has now.
        public let virtualFunctions: VirtualFunctions?
        public let mediatedTypes: [MediatedType]

        public var vendor: String { Self.vendors[vendorID] ?? "vendor \(vendorID)" }
        public var kind: String {
            switch classCode.dropFirst(2).prefix(4) {
            case "0300": "VGA controller"
            case "0302": "3D controller"
            default: "display controller"
            }
        }
        /// A display that a hypervisor makes up (virtio-gpu, QXL, Bochs/std VGA, Cirrus, VMware SVGA): no GPU behind it.
        public var emulated: Bool {
            Self.emulatedDisplays.contains("\(vendorID):\(deviceID)") || vendorID == "0x1234"
        }

        static let vendors = ["0x10de": "NVIDIA", "0x1002": "AMD", "0x8086": "Intel", "0x1af4": "virtio",
                              "0x1b36": "Red Hat", "0x1234": "QEMU", "0x1013": "Cirrus Logic", "0x15ad": "VMware",
                              "0x1414": "Microsoft", "0x80ee": "VirtualBox", "0x1a03": "ASPEED", "0x102b": "Matrox"]
        static let emulatedDisplays: Set = ["0x1af4:0x1050", "0x1b36:0x0100", "0x1013:0x00b8", "0x15ad:0x0405",
                                            "0x80ee:0xbeef", "0x1414:0x5353"]
    }

    /// What `nvidia-smi -q` says of one GPU.
    public struct NvidiaView: Sendable, Equatable, Codable {
        /// "Pass-Through" (this machine is a guest given the whole GPU), "VGPU" (a guest given a vGPU),
        /// "Host VGPU" (a host that splits it), "None" (bare metal).
        public let virtualizationMode: String?
        /// "Enabled" or "Disabled"; nil where the GPU has no MIG.
        public let migMode: String?
    }

    public let devices: [Device]
    /// Groups under /sys/kernel/iommu_groups: none means no IOMMU is on.
    public let iommuGroupCount: Int
    /// The ACPI table that describes the IOMMU: DMAR (Intel VT-d) or IVRS (AMD-Vi), if present.
    public let iommuTable: String?
    /// nvidia-smi's view, by PCI address; empty where nvidia-smi is not installed or failed.
    public let nvidia: [String: NvidiaView]
    /// Why nvidia-smi said nothing, where an NVIDIA GPU is there.
    public let nvidiaProblem: String?

    public static func probe(files: HostFiles = HostFiles(), runner: CommandRunning = SystemCommandRunner()) -> GraphicsDevices {
        let root = "/sys/bus/pci/devices"
        let devices = files.list(root).compactMap { address -> Device? in
            let field = { (name: String) in (try? files.read("\(root)/\(address)/\(name)").get())?
                .trimmingCharacters(in: .whitespacesAndNewlines) }
            guard let classCode = field("class"), classCode.hasPrefix("0x03") else { return nil }
            let group = files.linkName("\(root)/\(address)/iommu_group")
            let peers = group.map { files.list("/sys/kernel/iommu_groups/\($0)/devices").filter { $0 != address } } ?? []
            let total = field("sriov_totalvfs").flatMap { Int($0) }
            let types = files.list("\(root)/\(address)/mdev_supported_types").map { type in
                let typeField = { (name: String) in (try? files.read("\(root)/\(address)/mdev_supported_types/\(type)/\(name)").get())?
                    .trimmingCharacters(in: .whitespacesAndNewlines) }
                return Device.MediatedType(id: type, name: typeField("name"),
                                           available: typeField("available_instances").flatMap { Int($0) })
            }
            return Device(address: address, vendorID: field("vendor") ?? "?", deviceID: field("device") ?? "?",
                          classCode: classCode, driver: files.linkName("\(root)/\(address)/driver"), iommuGroup: group,
                          groupPeers: peers, virtualFunctions: total.flatMap { $0 > 0 ? Device.VirtualFunctions(
                            total: $0, enabled: field("sriov_numvfs").flatMap { Int($0) } ?? 0) : nil },
                          mediatedTypes: types)
        }
        let table = ["DMAR", "IVRS"].first { files.exists("/sys/firmware/acpi/tables/\($0)") }
        var nvidia: [String: NvidiaView] = [:]
        var problem: String?
        if devices.contains(where: { $0.vendorID == "0x10de" }) {
            switch runner.run(["nvidia-smi", "-q"]) {
            case nil: problem = "nvidia-smi is not installed"
            case let result? where result.status != 0:
                problem = "nvidia-smi -q failed: " + (result.stderr + result.stdout).split(separator: "\n").prefix(1).joined()
            case let result?: nvidia = parseNvidiaQuery(result.stdout)
            }
        }
        return GraphicsDevices(devices: devices, iommuGroupCount: files.list("/sys/kernel/iommu_groups").count,
                               iommuTable: table, nvidia: nvidia, nvidiaProblem: problem)
    }

    /// `nvidia-smi -q`: a "GPU 00000000:00:06.0" line opens each GPU; within it, "Virtualization Mode : …" and the
    /// "Current : …" line of its "MIG Mode" block. Addresses come back in the kernel's form (0000:00:06.0).
    static func parseNvidiaQuery(_ text: String) -> [String: NvidiaView] {
        var views: [String: NvidiaView] = [:]
        var address: String?
        var mode: String?
        var mig: String?
        var inMIGBlock = false
        func close() {
            if let address { views[address] = NvidiaView(virtualizationMode: mode, migMode: mig) }
        }
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if raw.hasPrefix("GPU "), let bus = line.split(separator: " ").last {
                close()
                // 00000000:00:06.0 → 0000:00:06.0: the domain has eight digits there, four in /sys.
                let parts = bus.split(separator: ":", maxSplits: 1)
                address = parts.count == 2 ? "\(parts[0].suffix(4)):\(parts[1])".lowercased() : String(bus).lowercased()
                (mode, mig, inMIGBlock) = (nil, nil, false)
                continue
            }
            let pair = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if line == "MIG Mode" { inMIGBlock = true; continue }
            guard pair.count == 2 else { continue }
            if pair[0] == "Virtualization Mode" { mode = pair[1] }
            if inMIGBlock && pair[0] == "Current" {
                mig = pair[1] == "N/A" ? nil : pair[1]
                inMIGBlock = false
            }
        }
        close()
        return views
    }
}

extension GraphicsDevices {
    /// The report's section. `guestOf`: the hypervisor this machine is a guest of, if it is one.
    func section(guestOf hypervisor: String?) -> ReportSection {
        let title = "GPUs and their virtualization"
        guard !devices.isEmpty else {
            return ReportSection(title: title, findings: [
                Finding(.absent, "GPUs", "none: no display or 3D controller on the PCI bus", source: "/sys/bus/pci/devices/*/class"),
            ])
        }
        var findings = [iommuFinding(guestOf: hypervisor)]
        for device in devices {
            let source = "/sys/bus/pci/devices/\(device.address)"
            let view = nvidia[device.address]
            findings.append(Finding(.info, "GPU \(device.address)", "\(device.vendor) \(device.kind) \(device.vendorID.dropFirst(2)):"
                                    + "\(device.deviceID.dropFirst(2)), " + (device.driver.map { "driver \($0)" } ?? "no driver bound")
                                    + (device.emulated ? "; a display the hypervisor emulates, no GPU behind it" : ""),
                                    source: source))
            guard !device.emulated else { continue }
            if let hypervisor {
                var said = "yes: this machine is a \(hypervisor) guest and sees a physical \(device.vendor) GPU"
                var status = Finding.Status.info
                switch view?.virtualizationMode {
                case "Pass-Through": said += "; nvidia-smi says Virtualization Mode: Pass-Through"
                case "VGPU": said = "a share of it (vGPU): nvidia-smi says Virtualization Mode: VGPU"
                case let mode?: said += "; nvidia-smi says Virtualization Mode: \(mode)"; status = .warning
                case nil: break
                }
                findings.append(Finding(status, "Passed through to this machine", said,
                                        source: view == nil ? source : "\(source), nvidia-smi -q"))
            }
            findings.append(wholeFinding(device, source: source))
            findings.append(splitFinding(device, view: view, source: source))
        }
        if let nvidiaProblem {
            findings.append(Finding(.unreadable, "nvidia-smi", nvidiaProblem, source: "PATH"))
        }
        return ReportSection(title: title, findings: findings)
    }

    private func iommuFinding(guestOf hypervisor: String?) -> Finding {
        let source = "/sys/kernel/iommu_groups, /sys/firmware/acpi/tables/{DMAR,IVRS}"
        if iommuGroupCount > 0 {
            return Finding(.ok, "IOMMU", "on: \(iommuGroupCount) groups" + (iommuTable.map { ", ACPI \($0) table" } ?? ""), source: source)
        }
        let missing = "off: no groups under /sys/kernel/iommu_groups"
        if let hypervisor {
            return Finding(.absent, "IOMMU", "\(missing); this \(hypervisor) guest was given no virtual IOMMU, so it cannot "
                           + "pass devices on to guests of its own", source: source)
        }
        if let iommuTable {
            return Finding(.absent, "IOMMU", "\(missing), though the firmware describes one (ACPI \(iommuTable)): boot with "
                           + (iommuTable == "IVRS" ? "amd_iommu=on" : "intel_iommu=on") + " iommu=pt", source: source)
        }
        return Finding(.absent, "IOMMU", "\(missing) and no DMAR or IVRS table: turn on VT-d (Intel) or AMD-Vi in the "
                       + "firmware setup, then boot with intel_iommu=on (or amd_iommu=on) iommu=pt", source: source)
    }

    /// Whether the whole GPU can go to a guest of this machine, and what stands in the way.
    private func wholeFinding(_ device: Device, source: String) -> Finding {
        let title = "Give it to a guest whole"
        guard iommuGroupCount > 0, let group = device.iommuGroup else {
            return Finding(.absent, title, "no: passthrough needs the IOMMU, which is off (above)", source: source)
        }
        // The other functions of the same card (its audio, its USB-C) go with it; anything else is taken too.
        let slot = device.address.split(separator: ".").first.map(String.init) ?? device.address
        let others = device.groupPeers.filter { !$0.hasPrefix(slot + ".") }
        let driver = device.driver == "vfio-pci" ? "bound to vfio-pci, ready"
            : device.driver.map { "the host's \($0) driver holds it: managed passthrough binds it to vfio-pci (nothing on the host may use it then)" }
            ?? "no driver holds it"
        guard others.isEmpty else {
            return Finding(.warning, title, "only with the rest of IOMMU group \(group): \(others.joined(separator: ", ")) "
                           + "would leave the host too; \(driver)", source: "\(source), /sys/kernel/iommu_groups/\(group)")
        }
        return Finding(.ok, title, "yes: IOMMU group \(group) is its own" + (device.groupPeers.isEmpty ? "" : " (with its other functions)")
                       + "; \(driver)", source: "\(source), /sys/kernel/iommu_groups/\(group)")
    }

    /// Whether the GPU can be shared out in parts: SR-IOV virtual functions, mediated devices (vGPU), MIG.
    private func splitFinding(_ device: Device, view: NvidiaView?, source: String) -> Finding {
        var ways: [String] = []
        if let functions = device.virtualFunctions {
            ways.append("SR-IOV: \(functions.enabled) of \(functions.total) virtual functions enabled")
        }
        if !device.mediatedTypes.isEmpty {
            ways.append("mediated-device (vGPU) types: " + device.mediatedTypes.map { type in
                type.id + (type.name.map { " \"\($0)\"" } ?? "") + (type.available.map { " (\($0) available)" } ?? "")
            }.joined(separator: ", "))
        }
        switch view?.migMode {
        case "Enabled"?: ways.append("MIG: on (nvidia-smi)")
        case let mode?: ways.append("MIG: possible, \(mode.lowercased()) now (nvidia-smi -mig 1 turns it on, with no process on the GPU)")
        case nil: break
        }
        let sources = source + (view == nil ? "" : ", nvidia-smi -q")
        guard ways.isEmpty else { return Finding(.ok, "Split between guests", ways.joined(separator: "; "), source: sources) }
        return Finding(.absent, "Split between guests", "no: no SR-IOV virtual functions, no mediated-device types, no MIG",
                       source: sources)
    }
}
