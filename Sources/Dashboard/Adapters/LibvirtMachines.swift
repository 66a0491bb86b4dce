import Services
import App
import Foundation
import ImageKit
import Inventory
import Providers
import Provisioning
import Runtime
import Synchronization
import TermCurses
import VirtKit

/// The machine port on libvirt: one connection at a time, its lifecycle events, and the actions. The
/// runtime calls it on its machine lane, except `console`, which the loop calls with the terminal handed over.
final class LibvirtMachines: MachinePort {
    private struct Link: @unchecked Sendable {
        let connection: Connection
        let inventory: LibvirtProvider
        let events: Task<Void, Never>
    }

    private let uri: String
    private let readOnly: Bool
    private let library: ImageLibrary
    private let link = Mutex<Link?>(nil)

    init(uri: String, readOnly: Bool, library: ImageLibrary) {
        self.uri = uri
        self.readOnly = readOnly
        self.library = library
    }

    func connect(events: @escaping @Sendable (MachineEvent) -> Void) throws {
        close()
        do {
            let connection = try Connection(uri: uri, readOnly: readOnly)
            let stream = try connection.lifecycleEvents()
            let inventory = try LibvirtProvider(connection: connection, library: library)
            let uri = connection.uri
            let task = Task { for await event in stream { events(MachineEvent(event, uri: uri)) } }
            link.withLock { $0 = Link(connection: connection, inventory: inventory, events: task) }
        } catch {
            throw PortError(Self.shortReason(error))
        }
    }

    func snapshot(completing: Set<String>?) throws -> InventorySnapshot {
        guard let current = link.withLock({ $0 }) else { throw PortError("not connected to \(uri)") }
        do {
            return try current.inventory.snapshot(completing: completing)
        } catch {
            guard current.connection.isAlive else {
                close()
                throw PortError(Self.shortReason(error))
            }
            throw PortError(UserMessage.line(for: error))
        }
    }

    var isAlive: Bool { link.withLock { $0?.connection.isAlive ?? false } }

    func details(_ key: MachineKey) throws -> MachineDetails {
        try translated {
            let host = try host()
            let vm = try host.vm(uuid: key.uuid, name: key.uuid)
            let domainDetails = try host.details(vm)
            var details = MachineDetails(domainDetails)
            // No agent (none installed, or still booting) is normal: the pane says so.
            if domainDetails.state?.isActive == true, let guest = host.guestInfo(vm, timeoutSeconds: 2) {
                details.guest = GuestSystem(guest)
            }
            return details
        }
    }

    func xml(_ name: String) throws -> String {
        try translated {
            let host = try host()
            return try host.xml(try host.vm(named: name))
        }
    }

    func screen(_ name: String) throws -> Picture {
        try translated {
            let host = try host()
            return try host.screen(of: try host.vm(named: name)).picture
        }
    }

    func sendKeys(_ name: String, _ codes: [UInt32]) throws {
        try translated {
            let host = try host()
            try host.sendKeys(codes, to: try host.vm(named: name))
        }
    }

    func snapshots(_ key: MachineKey) throws -> [SnapshotNode] {
        try translated {
            let host = try host()
            return try host.snapshotTree(try host.vm(uuid: key.uuid, name: key.uuid))
        }
    }

    func devices(_ key: MachineKey) -> DeviceCounters? {
        link.withLock { $0?.inventory.devices(uuid: key.uuid) }
    }

    func perform(_ action: MachineAction, _ key: MachineKey, name: String) throws -> String {
        try translated {
            let host = try host()
            let line = try host.perform(action, on: try host.vm(uuid: key.uuid, name: name))
            if action.changesStorage { link.withLock { $0?.inventory.invalidateSlowLists() } }
            return line
        }
    }

    /// The destination is opened afresh for the move (a connection of its own, closed after), as `vm migrate` does.
    func migrate(_ key: MachineKey, name: String, to destination: String,
                 progress: @escaping @Sendable (String) -> Void) async throws -> String {
        do {
            let source = try host()
            let vm = try source.vm(uuid: key.uuid, name: name)
            let target = try Hypervisor(uri: destination, readOnly: readOnly)
            let plan = source.migrationPlan(vm, to: target, mode: nil)
            let outcome = try await source.migrate(vm, to: target, as: plan) { progress($0.said) }
            link.withLock { $0?.inventory.invalidateSlowLists() }
            return outcome.said
        } catch {
            throw PortError(UserMessage.line(for: error))
        }
    }

    func recover(lostHome home: String) throws -> String {
        let (hostURI, started, refused) = try translated { () -> (String, [String], [String]) in
            let host = try host()
            var started: [String] = [], refused: [String] = []
            for copy in try host.protectedVMs() where copy.mark.home == home && !copy.running {
                do { started.append(try host.recover(copy.name)) } catch { refused.append(UserMessage.line(for: error)) }
            }
            link.withLock { $0?.inventory.invalidateSlowLists() }
            return (host.uri, started, refused)
        }
        guard refused.isEmpty else { throw PortError((refused + started).joined(separator: "; ")) }
        return started.isEmpty ? "\(hostURI) keeps no standby copy of a VM from \(home)" : started.joined(separator: "; ")
    }

    func perform(_ action: NetworkAction, network name: String) throws -> String {
        try translated {
            let line = try host().perform(action, network: name)
            link.withLock { $0?.inventory.invalidateSlowLists() }
            return line
        }
    }

    func createNetwork(name: String, mode: String, subnet: String?, dhcp: String?) throws -> String {
        try translated {
            let line = try host().defineNetwork(try NetworkSpec.parse(name: name, mode: mode, subnet: subnet, dhcp: dhcp))
            link.withLock { $0?.inventory.invalidateSlowLists() }
            return line + "; press u to start it"
        }
    }

    /// The launch wizard's work, the same as `virtlab vm create` with its defaults.
    func launch(imagePath: String, name: String, memoryMiB: Int, sshKeyPath: String?) throws -> String {
        try translated {
            guard let image = DiskImage.inspect(path: imagePath) else { throw UserFacingError("cannot read \(imagePath)") }
            var request = CloudLaunch.Request(name: name)
            (request.memoryMiB, request.sshKeyFile) = (memoryMiB, sshKeyPath)
            let launched = try CloudLaunch.launch(try CloudLaunch.spec(request, image: image, uri: uri), on: host())
            link.withLock { $0?.inventory.invalidateSlowLists() }
            return "created and started \(launched.name) (\(launched.accelerator == .kvm ? "KVM" : "TCG")); "
                + "press 1 to see it, c for its console"
        }
    }

    /// The new-VM wizard's work: `virtlab vm create --iso|--import|--pxe` with its defaults.
    func install(_ order: InstallRequest) throws -> String {
        try translated {
            let source: InstallSpec.Source = switch order.medium {
            case .iso: .iso(order.source)
            case .importDisk: .importDisk(order.source)
            case .pxe: .pxe(network: order.source)
            }
            var request = NewMachine.Request(name: order.name, source: source)
            (request.os, request.memoryMiB, request.diskGiB, request.uefi) = (order.os, order.memoryMiB, order.diskGiB, order.uefi)
            (request.network, request.bootOrder) = (order.network, order.bootOrder)
            let plan = try NewMachine.plan(request, catalog: try OSCatalog.installed(), uri: uri)
            let made = try NewMachine.create(plan, on: host())
            link.withLock { $0?.inventory.invalidateSlowLists() }
            let os = plan.os.map { "\($0.name), " } ?? ""
            return "created and started \(made.name): \(os)\(plan.spec.memoryMiB) MiB, \(plan.spec.vcpus) vCPU; press v to see its screen"
                + plan.notes.map { "; note: \($0)" }.joined()
        }
    }

    func hostDevices() throws -> [HostDeviceRow] {
        try translated {
            try host().hostDevices().map { entry in
                let device = entry.device
                return HostDeviceRow(name: device.name, address: device.address, isPCI: device.kind == .pci, kind: entry.kind,
                                     device: entry.name, isGPU: entry.isGPU,
                                     driver: device.driver, iommuGroup: device.iommuGroup, passthrough: entry.passthrough.rawValue,
                                     reason: entry.reason, splits: entry.split)
            }
        }
    }

    func bindHostDevice(_ address: String, release: Bool) throws -> String {
        try translated { try host().bindForPassthrough(address, release: release) }
    }

    func console(_ name: String) -> String {
        let banner = "\r\nvirtlab: console of \(name). Press Ctrl-] to return to virtlab.\r\n\r\n"
        FileHandle.standardOutput.write(Data(banner.utf8))
        do {
            let host = try host()
            let vm = try host.vm(named: name)
            switch try RawMode.run({ try host.attachConsole(vm) }) {
            case .userLeft: return "left the console of \(name)"
            case .consoleClosed: return "the console of \(name) closed"
            case .inputClosed: return "terminal input closed"
            }
        } catch {
            return "console: " + UserMessage.line(for: error)
        }
    }

    func close() {
        link.withLock { current in
            current?.events.cancel()
            current = nil
        }
    }

    private func host() throws -> Hypervisor {
        guard let connection = link.withLock({ $0?.connection }) else { throw UserFacingError("not connected to \(uri)") }
        return Hypervisor(connection)
    }

    /// Any error, in the status bar's words.
    private func translated<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw PortError(UserMessage.line(for: error)) }
    }

    /// The header's "CONNECTION LOST: …" reason: libvirt's own message, on one line.
    static func shortReason(_ error: Error) -> String {
        if let error = error as? LibvirtError { return UserMessage.oneLine(error.message) }
        return UserMessage.line(for: error)
    }
}
