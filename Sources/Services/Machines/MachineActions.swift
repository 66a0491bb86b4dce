import Foundation
import ImageKit
import Inventory
import Providers
import Provisioning
import VirtKit

/// Doing a VM action of the table to a domain: the one place the command line (`virtlab vm …`) and the
/// dashboard's port both call, so the two cannot differ in what an action does or how it reports.
enum MachineActions {
    /// Checks the table allows it from the VM's state, does it, and returns what happened in one line.
    static func perform(_ action: MachineAction, on domain: Domain, connection: Connection) throws -> String {
        let name = domain.name
        if let why = action.kind.rule.refusal(name, MachineState(libvirtState: try domain.info().state.rawValue)) { throw ActionRefused(why) }
        switch action {
        case .start: try domain.start()
        case .shutdown: try domain.shutdown()
        case .reboot: try domain.reboot()
        case .forceOff: try domain.forceOff()
        case .pause: try domain.suspend()
        case .resume: try domain.resume()
        case .createSnapshot(let snapshot, let description):
            let made = try domain.createSnapshot(name: snapshot, description: description)
            return "created snapshot \(made.name) of \(name) (\(made.state))"
        case .revertSnapshot(let snapshot):
            try domain.revert(toSnapshot: snapshot)
            return "reverted \(name) to \(snapshot)"
        case .deleteSnapshot(let snapshot):
            let before = try domain.snapshots()
            let node = before.first { $0.name == snapshot }.map(SnapshotNode.init)
            try domain.deleteSnapshot(named: snapshot)
            let children = node.map { $0.deletionEffect(in: before.map(SnapshotNode.init)) } ?? ""
            return "deleted snapshot \(snapshot) of \(name). \(children)"
        case .clone(let newName, let sanitize):
            let cloned = try Cloner(connection: connection).clone(
                name, as: newName, sanitize: sanitize, storageDirectory: CloudLauncher.defaultStorageDirectory(uri: connection.uri))
            return "cloned \(name) as \(cloned.name)\(sanitize ? " with a new identity" : "")"
        case .delete(let removeStorage):
            let result = try domain.undefine(removeStorage: removeStorage)
            if let failure = result.failures.first { throw failure }
            var line = "deleted \(name)"
            if !result.removedVolumes.isEmpty { line += " and " + result.removedVolumes.joined(separator: ", ") }
            if !result.keptOutsidePools.isEmpty {
                line += "; kept \(result.keptOutsidePools.joined(separator: ", ")) (not in a storage pool; delete it by hand)"
            }
            return line
        case .setAutostart(let on):
            try domain.setAutostart(on)
            return "autostart \(on ? "on" : "off") for \(name)"
        case .setVCPUs(let count, _):
            return "set the vCPUs of \(name) to \(count), \(try domain.setVCPUs(count).said)"
        case .setMemory(let mebibytes, _):
            return "set the memory of \(name) to \(mebibytes) MiB, \(try domain.setMemory(mebibytes: mebibytes).said)"
        case .attachDisk(let disk):
            return try attach(disk, to: domain)
        case .detachDisk(let target):
            return "detached \(target) from \(name), \(try domain.detachDisk(target: target).said)"
        case .attachNIC(let network):
            _ = try connection.network(named: network)  // a missing network is said before the VM is touched
            let active = try domain.info().state.isActive
            let mac = try domain.attachNIC(network: network, scope: active ? [.live, .config] : [.config])
            return "attached a virtio NIC \(mac) on network \(network) to \(name)"
        case .detachNIC(let mac):
            let active = try domain.info().state.isActive
            try domain.detachNIC(mac: mac, scope: active ? [.live, .config] : [.config])
            return "detached NIC \(mac) from \(name)"
        }
        return "\(action.kind.rule.done) \(name)"
    }

    /// A new qcow2 file is made first and removed again if attaching fails: nothing half-done is left.
    private static func attach(_ disk: DiskToAttach, to domain: Domain) throws -> String {
        let format: String
        if let gib = disk.newSizeGiB {
            try NewDisk.create(at: disk.path, sizeGiB: gib, for: domain.name)
            format = "qcow2"
        } else {
            guard let image = DiskImage.inspect(path: disk.path) else {
                throw ProvisioningError("cannot read \(disk.path): give an existing image file's full path")
            }
            guard image.isDiskImage, ["qcow2", "raw"].contains(image.format) else {
                throw ProvisioningError("\(disk.path) is a \(image.format) file, not a qcow2 or raw disk image")
            }
            format = image.format
        }
        do {
            let change = try domain.attachDisk(path: disk.path, target: disk.target, format: format)
            let made = disk.newSizeGiB.map { "a new \($0) GiB qcow2 disk \(disk.path)" } ?? "\(disk.path) (\(format))"
            return "attached \(made) to \(domain.name) as \(disk.target), \(change.said)"
        } catch {
            if disk.newSizeGiB != nil { try? FileManager.default.removeItem(atPath: disk.path) }
            throw error
        }
    }
}

/// The action table does not allow the action from the VM's state: the table's own words.
public struct ActionRefused: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
