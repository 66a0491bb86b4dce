/// A new VM as the dashboard's wizard asks for it: virt-manager's first question (an installer ISO, a disk with an
/// OS, a network boot) and what `virtlab vm create` takes beside it. Nil sizes are the OS's recommendations.
public struct InstallRequest: Sendable, Equatable {
    public enum Medium: String, Sendable, Equatable, CaseIterable {
        case iso, importDisk = "import", pxe
    }

    public var name: String
    public var medium: Medium
    /// The ISO file, the disk image, or the libvirt network with a PXE server.
    public var source: String
    /// osinfo-db's short ID; nil: detected from the ISO.
    public var os: String?
    public var memoryMiB: Int?
    public var diskGiB: Int?
    public var uefi: Bool
    /// The NIC's libvirt network (an ISO or an import); nil: user-mode networking. A PXE boot uses its own.
    public var network: String?
    /// The devices to boot from, in order (hd, cdrom, network); nil: the installer first, then the disk.
    public var bootOrder: [String]?

    public init(name: String, medium: Medium, source: String, os: String? = nil, memoryMiB: Int? = nil,
                diskGiB: Int? = nil, uefi: Bool = false, network: String? = nil, bootOrder: [String]? = nil) {
        (self.name, self.medium, self.source, self.os) = (name, medium, source, os)
        (self.memoryMiB, self.diskGiB, self.uefi, self.network, self.bootOrder) = (memoryMiB, diskGiB, uefi, network, bootOrder)
    }

    /// The same as a command a user can type (its `--explain` prints the virt-install line).
    public func command(uri: String) -> String {
        var words = ["virtlab", "vm", "create", name, "--\(medium.rawValue)", source]
        if let os { words += ["--os", os] }
        if let memoryMiB { words += ["--memory", "\(memoryMiB)"] }
        if let diskGiB { words += ["--disk-size", "\(diskGiB)"] }
        if uefi { words.append("--uefi") }
        if let network { words += ["--network", network] }
        if let bootOrder { words += ["--boot", bootOrder.joined(separator: ",")] }
        return ShellWords.line(words + ["--uri", uri])
    }
}
