import Foundation
import Inventory
#if canImport(FoundationXML)
import FoundationXML
#endif
import ImageKit
import VirtKit

/// What one clone did, for the user and for tests.
public struct Cloned: Sendable, Equatable {
    public let name: String
    public let uuid: String
    public let disks: [String]
    public let seed: String?
    /// How the identity was reset, in words (empty without --sanitize).
    public let sanitized: [String]
}

/// Clones a shut-off VM: a new UUID, a new MAC on every NIC, disks of its own, and optionally a fresh identity.
public struct Cloner {
    public let connection: Connection
    let tools = Tools()

    public init(connection: Connection) { self.connection = connection }

    /// What `--sanitize` resets with virt-sysprep (libguestfs), run on the clone's disk before its first boot.
    public static let sysprepOperations = "machine-id,ssh-hostkeys,net-hwaddr,dhcp-client-state,logfiles,bash-history"

    public func clone(_ sourceName: String, as newName: String, sanitize: Bool, storageDirectory: String) throws
        -> Cloned
    {
        try CloudLauncher.validate(name: newName)
        let source = try connection.domain(named: sourceName)
        let state = try source.info().state
        guard state == .shutOff else {
            throw ProvisioningError("\(sourceName) is \(MachineState(libvirtState: state.rawValue).label): shut it down first ('virtlab vm shutdown "
                + "\(sourceName)'), so its disks are consistent")
        }
        if (try? connection.domain(named: newName)) != nil {
            throw ProvisioningError("a VM named \(newName) already exists; pick another name")
        }
        let document = try XMLDocument(xmlString: try source.xml(inactive: true), options: [])
        guard let root = document.rootElement() else { throw ProvisioningError("\(sourceName)'s XML has no root") }
        let leftovers = Leftovers()
        do {
            try FileManager.default.createDirectory(atPath: storageDirectory, withIntermediateDirectories: true)
            set(root, "name", to: newName)
            remove(root, "uuid")
            // libvirt gives every NIC without a MAC a fresh one.
            for mac in try root.nodes(forXPath: "devices/interface/mac") { (mac.parent as? XMLElement)?.removeChild(at: mac.index) }
            // Channels and file-backed consoles name per-VM paths: let libvirt pick new ones, or rename them.
            for source in try root.nodes(forXPath: "devices/channel/source") {
                (source.parent as? XMLElement)?.removeChild(at: source.index)
            }
            for case let source as XMLElement in try root.nodes(forXPath: "devices/serial[@type='file']/source | devices/console[@type='file']/source") {
                if let path = source.attribute(forName: "path")?.stringValue {
                    source.attribute(forName: "path")?.stringValue = renamed(path, from: sourceName, to: newName)
                }
            }
            var disks: [String] = []
            var seed: String?
            let newSeedID = "iid-\(UUID().uuidString.lowercased())"
            for case let disk as XMLElement in try root.nodes(forXPath: "devices/disk") {
                guard let source = try disk.nodes(forXPath: "source").first as? XMLElement,
                      let path = source.attribute(forName: "file")?.stringValue else { continue }
                let device = disk.attribute(forName: "device")?.stringValue ?? "disk"
                let target = "\(storageDirectory)/\(newName)-\((path as NSString).lastPathComponent)"
                    .replacingOccurrences(of: "-\(sourceName)", with: "")
                guard !FileManager.default.fileExists(atPath: target) else {
                    throw ProvisioningError("\(target) already exists; remove it or pick another name")
                }
                leftovers.add(target)
                if device == "cdrom", let userData = CloudSeed.read("user-data", fromISO: path) {
                    // A cloud-init seed: the clone gets its own, with a new instance id and host name when sanitized.
                    let oldMeta = CloudSeed.read("meta-data", fromISO: path) ?? ""
                    let instanceID = sanitize ? newSeedID : Self.value(of: "instance-id", in: oldMeta) ?? newSeedID
                    let hostname = sanitize ? newName : Self.value(of: "local-hostname", in: oldMeta) ?? newName
                    try CloudSeed(instanceID: instanceID, hostname: hostname, userData: userData)
                        .write(to: target, tools: tools)
                    seed = target
                } else if device == "cdrom" {
                    continue  // an installer ISO is only read: the clone may share it
                } else {
                    try copyDisk(path, to: target)
                    disks.append(target)
                }
                source.attribute(forName: "file")?.stringValue = target
            }
            var sanitized: [String] = []
            if sanitize {
                for disk in disks.prefix(1) {
                    try tools.run(["virt-sysprep", "-q", "-a", disk, "--operations", Self.sysprepOperations,
                                   "--delete", "/var/lib/cloud/instances", "--delete", "/var/lib/cloud/instance"],
                                  doing: "reset the identity inside \(disk)",
                                  environment: ["LIBGUESTFS_BACKEND": "direct",
                                                // The appliance hangs on broken nested KVM; TCG always works.
                                                "LIBGUESTFS_BACKEND_SETTINGS": Accelerator.best() == .kvm ? "" : "force_tcg"])
                    sanitized = ["machine-id emptied (regenerated at boot)", "SSH host keys removed (new ones at boot)",
                                 "cloud-init instance state cleared", "DHCP leases, logs and shell history removed"]
                }
                if seed != nil { sanitized.append("new cloud-init instance-id \(newSeedID), hostname \(newName)") }
            }
            let defined = try connection.define(xml: document.xmlString)
            leftovers.keep()
            return Cloned(name: newName, uuid: try defined.info().uuid, disks: disks, seed: seed, sanitized: sanitized)
        } catch {
            leftovers.removeAll()
            throw error
        }
    }

    /// A disk of the clone's own: an overlay keeps sharing its read-only base (only the overlay's own data is
    /// copied); a disk without a base is copied whole.
    private func copyDisk(_ path: String, to target: String) throws {
        let image = DiskImage.inspect(path: path)
        var argv = ["qemu-img", "convert", "-q", "-O", "qcow2"]
        if image?.backingFile != nil, let base = DiskImage.chain(path: path).dropFirst().first {
            argv += ["-B", base.path, "-F", base.format]
        }
        try tools.run(argv + [path, target], doing: "copy \(path) for the clone")
    }

    private func renamed(_ path: String, from old: String, to new: String) -> String {
        path.contains(old) ? path.replacingOccurrences(of: old, with: new) : path + "-" + new
    }

    private func set(_ root: XMLElement, _ name: String, to value: String) {
        root.elements(forName: name).first?.stringValue = value
    }

    private func remove(_ root: XMLElement, _ name: String) {
        for element in root.elements(forName: name) { root.removeChild(at: element.index) }
    }

    static func value(of key: String, in metaData: String) -> String? {
        for line in metaData.split(separator: "\n") where line.hasPrefix("\(key):") {
            var value = line.dropFirst(key.count + 1).trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\""), let decoded = try? JSONDecoder().decode(String.self, from: Data(value.utf8)) {
                value = decoded
            }
            return value
        }
        return nil
    }
}
