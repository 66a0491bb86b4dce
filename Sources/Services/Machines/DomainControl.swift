import Foundation
import ImageKit
import Inventory
import Providers
import Provisioning
import VirtKit

/// One libvirt domain as the VM actions of the table see it (`MachineControl`): the one place the command line
/// (`virtlab vm …`) and the dashboard's port both end up, so the two cannot differ in what an action does.
struct DomainControl: MachineControl {
    let domain: Domain
    let connection: Connection

    var name: String { domain.name }

    func state() throws -> MachineState { MachineState(libvirtState: try domain.info().state.rawValue) }
    func start() throws { try domain.start() }
    func shutdown() throws { try domain.shutdown() }
    func reboot() throws { try domain.reboot() }
    func forceOff() throws { try domain.forceOff() }
    func reset() throws { try domain.reset() }
    func pause() throws { try domain.suspend() }
    func resume() throws { try domain.resume() }

    func createSnapshot(_ snapshot: String, description: String?) throws -> String {
        try domain.createSnapshot(name: snapshot, description: description).state
    }

    func revert(toSnapshot snapshot: String) throws { try domain.revert(toSnapshot: snapshot) }

    func deleteSnapshot(_ snapshot: String) throws -> String {
        let before = try domain.snapshots()
        let node = before.first { $0.name == snapshot }.map(SnapshotNode.init)
        try domain.deleteSnapshot(named: snapshot)
        return node.map { $0.deletionEffect(in: before.map(SnapshotNode.init)) } ?? ""
    }

    func clone(as newName: String, sanitize: Bool) throws -> String {
        try Cloner(connection: connection).clone(
            name, as: newName, sanitize: sanitize, storageDirectory: CloudLauncher.defaultStorageDirectory(uri: connection.uri)).name
    }

    func undefine(removeStorage: Bool) throws -> (removed: [String], keptOutsidePools: [String]) {
        let result = try domain.undefine(removeStorage: removeStorage)
        if let failure = result.failures.first { throw failure }
        return (result.removedVolumes, result.keptOutsidePools)
    }

    func setAutostart(_ on: Bool) throws { try domain.setAutostart(on) }
    func setVCPUs(_ count: Int) throws -> String { try domain.setVCPUs(count).said }
    func setMemory(mebibytes: Int) throws -> String { try domain.setMemory(mebibytes: mebibytes).said }
    func detachDisk(target: String) throws -> String { try domain.detachDisk(target: target).said }

    /// A new qcow2 file is made first and removed again if attaching fails: nothing half-done is left.
    func attachDisk(_ disk: DiskToAttach) throws -> (format: String, when: String) {
        let format: String
        if let gib = disk.newSizeGiB {
            try NewDisk.create(at: disk.path, sizeGiB: gib, for: name)
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
            return (format, try domain.attachDisk(path: disk.path, target: disk.target, format: format).said)
        } catch {
            if disk.newSizeGiB != nil { try? FileManager.default.removeItem(atPath: disk.path) }
            throw error
        }
    }

    /// A missing network is said before the VM is touched; a running VM gets the NIC at once too.
    func attachNIC(network: String) throws -> String {
        _ = try connection.network(named: network)
        return try domain.attachNIC(network: network, scope: try liveScope())
    }

    func detachNIC(mac: String) throws { try domain.detachNIC(mac: mac, scope: try liveScope()) }

    /// Checked as `vm hostdev attach` checks it: the IOMMU, the device's group, another VM that has it.
    func attachHostDevice(_ device: String) throws -> String {
        try Hypervisor(connection).attachHostDevice(device, to: VM(domain: domain), scope: try liveScope())
    }

    func detachHostDevice(_ device: String) throws -> String {
        try Hypervisor(connection).detachHostDevice(device, from: VM(domain: domain), scope: try liveScope())
    }

    private func liveScope() throws -> DeviceScope { try domain.info().state.isActive ? [.live, .config] : [.config] }
}
