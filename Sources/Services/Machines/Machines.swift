import Foundation
import Inventory
import Providers
import Provisioning
import VirtKit

public typealias DomainDetails = VirtKit.DomainDetails
public typealias GuestInfo = VirtKit.GuestInfo
public typealias DomainSnapshot = VirtKit.DomainSnapshot
public typealias DeviceScope = VirtKit.DeviceScope
public typealias Cloned = Provisioning.Cloned
public typealias ConsoleEnd = VirtKit.ConsoleEnd

/// A VM found on its host, by the name the user typed or the UUID the dashboard keys it by.
public struct VM: Sendable {
    let domain: Domain
    public var name: String { domain.name }
    public var uuid: String { domain.uuid }

    /// The NIC models a VM can be given, for help and checks.
    public static let nicModels = Domain.nicModels
    public static func isValidMAC(_ text: String) -> Bool { Domain.isValidMAC(text) }
}

/// Virtual machines: `virtlab vm …`, `virtlab ls` and the Machines pane.
extension Hypervisor {
    public func vm(named name: String) throws -> VM { VM(domain: try connection.domain(named: name)) }

    /// The VM with this UUID; one that went away meanwhile is said by `name`.
    public func vm(uuid: String, name: String) throws -> VM {
        do {
            return VM(domain: try connection.domain(uuid: uuid))
        } catch let error as LibvirtError where error.kind == .noSuchDomain {
            throw UserFacingError("\(name) no longer exists on \(uri)")
        }
    }

    /// The VMs chosen, in the order named (then the matching ones by name); a name that is not there is a failure
    /// of its own. `match` is a shell pattern.
    public func vms(named names: [String], matching match: String?, all: Bool) throws -> [Result<VM, Error>] {
        var chosen: [Result<VM, Error>] = names.map { name in Result { try vm(named: name) } }
        if all || match != nil {
            let named = Set(names)
            let matching = try connection.domains().filter { domain in
                !named.contains(domain.name) && (all || fnmatch(match ?? "*", domain.name, 0) == 0)
            }.sorted { $0.name < $1.name }
            if matching.isEmpty && names.isEmpty {
                throw UserFacingError(all ? "no VMs on \(uri)"
                                      : "no VM on \(uri) matches '\(match ?? "")' (run 'virtlab ls' to see their names)")
            }
            chosen += matching.map { .success(VM(domain: $0)) }
        }
        return chosen
    }

    /// Has a live hypervisor process (changes can be made live).
    public func isRunning(_ vm: VM) throws -> Bool { try vm.domain.info().state.isActive }

    public func details(_ vm: VM) throws -> DomainDetails { try vm.domain.details() }

    /// What the guest agent says; nil when none answers (not installed, still booting, not running).
    public func guestInfo(_ vm: VM, timeoutSeconds: Int32 = 5) -> GuestInfo? { try? vm.domain.guestInfo(timeoutSeconds: timeoutSeconds) }

    /// Does a VM action of the table (refused in the VM's state with `ActionRefused`); returns what the user is told.
    public func perform(_ action: MachineAction, on vm: VM) throws -> String {
        try action.perform(on: DomainControl(domain: vm.domain, connection: connection))
    }

    /// Relays the terminal (already raw) to the VM's serial console until the user types Ctrl-] or it closes.
    public func attachConsole(_ vm: VM) throws -> ConsoleEnd {
        try vm.domain.attachConsole(input: STDIN_FILENO, output: STDOUT_FILENO)
    }

    public func xml(_ vm: VM, inactive: Bool = false) throws -> String { try vm.domain.xml(inactive: inactive) }

    /// Defines a persistent VM from libvirt XML.
    public func define(xml: String) throws -> VM { VM(domain: try connection.define(xml: xml)) }

    /// The disk `vm disk attach` means: a new qcow2 of `sizeGiB` beside the VM's first disk, or the image at
    /// `image`; on `device`, else the next free vdX.
    public func diskToAttach(_ vm: VM, sizeGiB: Int?, image: String?, device: String?) throws -> DiskToAttach {
        let disks = try vm.domain.details().disks
        guard let target = device ?? DiskToAttach.nextTarget(after: disks.map(\.target)) else {
            throw UserFacingError("'\(vm.name)' has no free disk name left (vdb to vdz are taken)")
        }
        if let sizeGiB {
            return .new(sizeGiB: sizeGiB, for: vm.name, target: target, besideDisk: disks.first { $0.device == "disk" }?.source,
                        uri: uri, home: NSHomeDirectory())
        }
        guard let image else { throw UserFacingError("give either --size GiB or --image FILE") }
        return DiskToAttach(path: URL(fileURLWithPath: image).standardizedFileURL.path, target: target, newSizeGiB: nil)
    }

    /// Adds a NIC on a libvirt network (a missing network is said before the VM is touched); returns its MAC.
    public func attachNIC(_ vm: VM, network: String, model: String, mac: String?, scope: DeviceScope) throws -> String {
        _ = try connection.network(named: network)
        return try vm.domain.attachNIC(network: network, model: model, mac: mac, scope: scope)
    }

    public func detachNIC(_ vm: VM, mac: String, scope: DeviceScope) throws { try vm.domain.detachNIC(mac: mac, scope: scope) }

    public func snapshots(_ vm: VM) throws -> [DomainSnapshot] { try vm.domain.snapshots() }

    /// The snapshots as the tree the dashboard and `snapshot ls` draw, parents before children.
    public func snapshotTree(_ vm: VM) throws -> [SnapshotNode] { try vm.domain.snapshots().map(SnapshotNode.init) }

    /// A clone of a shut-off VM with a new UUID, new MACs and disks of its own (a fresh identity with `sanitize`).
    public func clone(_ source: String, as name: String, sanitize: Bool, storageDirectory: String?) throws -> Cloned {
        do {
            return try Cloner(connection: connection).clone(
                source, as: name, sanitize: sanitize,
                storageDirectory: storageDirectory ?? self.storageDirectory)
        } catch let error as ProvisioningError {
            throw UserFacingError(error.description)
        }
    }
}
