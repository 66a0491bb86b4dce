import BlockingWork
import Foundation
import Humanize
import Inventory
import Synchronization
import VirtKit

public typealias MigrationRequest = VirtKit.MigrationRequest
public typealias MigrationProgress = VirtKit.MigrationProgress

/// One thing checked before a VM moves, and what was found.
public struct MigrationCheck: Sendable, Equatable {
    public enum Verdict: String, Sendable, Equatable { case ok, warning, blocker }
    public let verdict: Verdict
    /// What was looked at: "host", "state", "name", "CPU", "network default", "disk vda", "memory", ...
    public let subject: String
    public let said: String

    static func ok(_ subject: String, _ said: String) -> Self { Self(verdict: .ok, subject: subject, said: said) }
    static func warning(_ subject: String, _ said: String) -> Self { Self(verdict: .warning, subject: subject, said: said) }
    static func blocker(_ subject: String, _ said: String) -> Self { Self(verdict: .blocker, subject: subject, said: said) }
}

/// A VM's move as planned: how it goes and what was found before anything moved.
public struct MigrationPlan: Sendable {
    public let vm: String
    public let source: String
    public let destination: String
    public let request: MigrationRequest
    public let checks: [MigrationCheck]

    public var blockers: [MigrationCheck] { checks.filter { $0.verdict == .blocker } }
    public var canGo: Bool { blockers.isEmpty }

    /// The one line a refused VM gets: every reason, in the order checked.
    public var refusal: String {
        "\(vm) cannot move to \(destination): " + blockers.map(\.said).joined(separator: "; ")
    }

    /// The same move as virsh command lines.
    public var virshCommands: [String] {
        request.virshCommands(domain: vm, sourceURI: source, destinationURI: destination).map(ShellWords.line)
    }
}

/// Where a VM ended up and what the move cost.
public struct MigrationOutcome: Sendable {
    public let vm: String
    public let destination: String
    public let uuid: String
    /// libvirt's figures of the finished job, where it kept them (the downtime is measured there).
    public let completed: MigrationProgress?
}

extension MigrationProgress {
    /// One line of figures, as the command line's progress line and the dashboard's Log show them.
    public var said: String {
        var parts = ["\(Int((fraction * 100).rounded()))%",
                     "\(Units.bytes(Double(dataProcessedBytes))) of \(Units.bytes(Double(dataTotalBytes)))",
                     "\(Units.bytes(Double(dataRemainingBytes))) left", "\(Units.bytes(Double(memoryBytesPerSecond)))/s"]
        if dirtyPagesPerSecond > 0 { parts.append("\(dirtyPagesPerSecond) dirty pages/s") }
        if let downtimeMilliseconds { parts.append("expected downtime \(downtimeMilliseconds) ms") }
        return parts.joined(separator: ", ")
    }
}

extension MigrationOutcome {
    public var said: String {
        var line = "moved \(vm) to \(destination)"
        if let completed {
            line += " in \(String(format: "%.1f", Double(completed.elapsedMilliseconds) / 1000)) s"
            if let downtime = completed.downtimeMilliseconds { line += ", downtime \(downtime) ms" }
        }
        return line
    }
}

/// The move did not happen: the VM is where it was. `cancelled` when the user stopped it.
public struct MigrationFailed: Error, CustomStringConvertible {
    public let vm: String
    public let cancelled: Bool
    public let reason: String
    public var description: String {
        cancelled ? "migration of \(vm) cancelled: it runs on where it was"
                  : "migration of \(vm) failed: \(reason) (it is still on its host)"
    }
}

extension Hypervisor {
    /// Everything that would stop `vm` from moving to `destination` the way `request` says, checked one by one
    /// (nothing is changed). `mode` nil picks from the VM's state: live when running, paused when paused, offline
    /// when shut off.
    public func migrationPlan(_ vm: VM, to destination: Hypervisor, mode: MigrationRequest.Mode?,
                              copyStorage: Bool = false, keepSource: Bool = false, tunnelled: Bool = false,
                              bandwidthMiBPerSecond: UInt64? = nil, maxDowntimeMilliseconds: UInt64? = nil,
                              unsafe: Bool = false) -> MigrationPlan {
        let domain = vm.domain
        var checks: [MigrationCheck] = []
        let state = (try? domain.info().state) ?? .noState
        let chosenMode = mode ?? (state == .paused ? .paused : state.isActive ? .live : .offline)
        let request = MigrationRequest(mode: chosenMode, copyStorage: copyStorage, keepSource: keepSource,
                                       tunnelled: tunnelled, bandwidthMiBPerSecond: bandwidthMiBPerSecond,
                                       maxDowntimeMilliseconds: maxDowntimeMilliseconds, unsafe: unsafe)
        func plan() -> MigrationPlan {
            MigrationPlan(vm: vm.name, source: uri, destination: destination.uri, request: request, checks: checks)
        }
        do {
            checks.append(try hostCheck(to: destination))
            guard checks.last?.verdict != .blocker else { return plan() }
            checks.append(stateCheck(vm.name, state: state, mode: chosenMode))
            checks.append(try nameCheck(vm, on: destination))
            checks.append(try hostDeviceCheck(domain))
            checks.append(try snapshotCheck(domain))
            checks.append(try cpuCheck(domain, on: destination))
            let details = try domain.details()
            checks += try networkChecks(details, on: destination)
            checks += try diskChecks(domain, details, on: destination, copyStorage: copyStorage)
            if chosenMode != .offline { checks.append(try memoryCheck(details, on: destination)) }
        } catch {
            checks.append(.blocker("checks", UserMessage.line(for: error)))
        }
        return plan()
    }

    /// Moves the VM as planned, reporting libvirt's job figures about every `interval` while it runs. Cancelling
    /// the calling task cancels the migration (`virDomainAbortJob`): the VM keeps running where it was.
    public func migrate(_ vm: VM, to destination: Hypervisor, as plan: MigrationPlan, interval: Duration = .milliseconds(500),
                        progress: @escaping @Sendable (MigrationProgress) -> Void) async throws -> MigrationOutcome {
        guard plan.canGo else { throw UserFacingError(plan.refusal) }
        let domain = vm.domain
        let request = plan.request
        let target = destination.connection
        let watcher = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                if let figures = try? await BlockingPool.run({ try domain.jobProgress() }) { progress(figures) }
            }
        }
        // The disks this move copies, none of them there now (the checks refuse a move onto an existing copy): what
        // libvirt makes of them there is removed again if the move does not finish.
        let copies = request.copyStorage ? try await BlockingPool.run {
            try domain.details().disks.filter { $0.device == "disk" && !$0.readOnly }.compactMap(\.source)
                .filter { try !target.sight(ofDisk: $0).isSeen }
        } : []
        let moved: Domain
        let abort = JobAbort()
        do {
            moved = try await withTaskCancellationHandler {
                defer { abort.end() }
                try Task.checkCancellation()
                return try await BlockingPool.run { try domain.migrate(to: target, request: request) }
            } onCancel: {
                abort.ask(domain)
            }
            // No figures arrive after the move is over (a progress line must not follow its end).
            watcher.cancel()
            await watcher.value
        } catch {
            watcher.cancel()
            await watcher.value
            if !copies.isEmpty { await Self.removeHalfCopies(copies, of: vm, on: target) }
            let cancelled = Task.isCancelled || (error as? LibvirtError)?.message.contains("cancel") == true
            var reason = UserMessage.line(for: error)
            if reason.contains("Migration without shared storage is unsafe") {
                reason += "; libvirt does not recognise this storage as shared (NFS, GFS2, Ceph…): give --copy-storage, "
                    + "or --unsafe if both hosts really share it"
            }
            throw MigrationFailed(vm: vm.name, cancelled: cancelled, reason: reason)
        }
        let completed = try? await BlockingPool.run { try moved.jobProgress(completed: true) }
        return MigrationOutcome(vm: vm.name, destination: destination.uri, uuid: moved.uuid, completed: completed ?? nil)
    }

    /// libvirt (9.0) leaves the disk copies it made on the destination when a move fails or is cancelled; they are
    /// removed, unless the VM runs there after all (a destination that went on without its source is left alone).
    private static func removeHalfCopies(_ paths: [String], of vm: VM, on destination: Connection) async {
        await BlockingPool.run {
            if let there = try? destination.domain(uuid: vm.uuid), (try? there.info().state.isActive) == true { return }
            for path in paths where (try? destination.sight(ofDisk: path).isSeen) == true {
                _ = try? destination.deleteVolume(atPath: path)
            }
        }
    }

    // MARK: - The checks

    private func hostCheck(to destination: Hypervisor) throws -> MigrationCheck {
        let here = try info()
        let there: HypervisorInfo
        do {
            there = try destination.info()
        } catch {
            return .blocker("host", "\(destination.uri) does not answer (\(UserMessage.line(for: error)))")
        }
        let testDriver = connection.isTestDriver || destination.connection.isTestDriver
        let sameHost = testDriver ? nil
            : try connection.hostUUID().flatMap { mine in try destination.connection.hostUUID() == mine ? mine : nil }
        return Self.hostVerdict(here: here, there: there, destination: destination.uri, sameHostUUID: sameHost,
                                testDriver: testDriver)
    }

    /// The host check on the facts both daemons gave: libvirt moves a VM only between hypervisors of one type, never
    /// onto its own host, and a destination with an older libvirt refuses what it does not know.
    static func hostVerdict(here: HypervisorInfo, there: HypervisorInfo, destination: String, sameHostUUID: String?,
                            testDriver: Bool) -> MigrationCheck {
        if testDriver { return .blocker("host", "libvirt's test driver cannot migrate: use two QEMU hosts") }
        guard here.type == there.type else {
            return .blocker("host", "\(destination) runs \(there.type), this VM needs \(here.type): libvirt moves a VM only "
                            + "between hosts of the same hypervisor")
        }
        if let sameHostUUID {
            return .blocker("host", "\(destination) is this same host (host UUID \(sameHostUUID)): name another host")
        }
        if versionNumber(there.libvirtVersion) < versionNumber(here.libvirtVersion) {
            return .warning("host", "\(destination) has libvirt \(there.libvirtVersion), older than this host's "
                            + "\(here.libvirtVersion): it refuses what it does not know")
        }
        return .ok("host", "\(destination): \(there.type) \(there.version), libvirt \(there.libvirtVersion)")
    }

    private func stateCheck(_ name: String, state: DomainState, mode: MigrationRequest.Mode) -> MigrationCheck {
        let label = MachineState(libvirtState: state.rawValue).label
        switch mode {
        case .live where state != .running:
            return .blocker("state", "\(name) is \(label); --live moves a running VM (without --live it moves as it is)")
        case .paused where !state.isActive:
            return .blocker("state", "\(name) is \(label); only a running or paused VM moves with its memory")
        case .offline where state.isActive:
            return .blocker("state", "\(name) is \(label); --offline moves a shut-off VM (shut it down, or use --live)")
        default:
            return .ok("state", "\(label), moves \(mode.rawValue)")
        }
    }

    private func nameCheck(_ vm: VM, on destination: Hypervisor) throws -> MigrationCheck {
        guard let there = try? destination.connection.domain(named: vm.name) else {
            return .ok("name", "no VM named \(vm.name) there")
        }
        guard there.uuid == vm.uuid else {
            return .blocker("name", "another VM named \(vm.name) already exists on \(destination.uri) (UUID \(there.uuid))")
        }
        if try there.info().state.isActive {
            return .blocker("name", "\(vm.name) already runs on \(destination.uri)")
        }
        return .ok("name", "its standby definition there (shut off, same UUID) is replaced")
    }

    private func hostDeviceCheck(_ domain: Domain) throws -> MigrationCheck {
        let devices = try domain.hostDevices()
        guard devices.isEmpty else {
            return .blocker("host devices", "\(domain.name) has host devices attached (\(devices.joined(separator: ", "))); "
                            + "they stay with this host: detach them first")
        }
        return .ok("host devices", "none")
    }

    /// libvirt keeps a VM's snapshot list on its host and refuses to move a VM that has one.
    private func snapshotCheck(_ domain: Domain) throws -> MigrationCheck {
        let names = try domain.snapshots().map(\.name)
        guard names.isEmpty else {
            return .blocker("snapshots", "\(domain.name) has \(names.count) snapshot\(names.count == 1 ? "" : "s") "
                            + "(\(names.prefix(3).joined(separator: ", "))\(names.count > 3 ? ", …" : "")); libvirt moves no VM with snapshots: "
                            + "delete them first (virsh snapshot-delete \(domain.name) NAME)")
        }
        return .ok("snapshots", "none")
    }

    private func cpuCheck(_ domain: Domain, on destination: Hypervisor) throws -> MigrationCheck {
        switch try domain.guestCPU() {
        case .hypervisorDefault:
            return .ok("CPU", "the hypervisor's default model")
        case .hostPassthrough:
            return .warning("CPU", "host-passthrough: the destination needs the very same CPU model and microcode")
        case .defined(let xml):
            let details = try domain.details()
            switch try destination.connection.compareGuestCPU(xml, arch: details.arch, virtType: details.hypervisorType) {
            case .compatible: return .ok("CPU", "the destination runs the guest's CPU model")
            case .incompatible(let why): return .blocker("CPU", "the destination cannot run the guest's CPU: \(why)")
            }
        }
    }

    private func networkChecks(_ details: DomainDetails, on destination: Hypervisor) throws -> [MigrationCheck] {
        let networks = try destination.connection.networks()
        return details.nics.filter { $0.type == "network" }.compactMap(\.source).map { name in
            guard let network = networks.first(where: { $0.name == name }) else {
                return .blocker("network \(name)", "network \(name) does not exist on \(destination.uri): define it there first")
            }
            guard network.active else {
                return .blocker("network \(name)", "network \(name) is not active on \(destination.uri): start it there "
                                + "(virtlab net start \(name) --uri \(destination.uri))")
            }
            return .ok("network \(name)", "active there")
        }
    }

    private func diskChecks(_ domain: Domain, _ details: DomainDetails, on destination: Hypervisor,
                            copyStorage: Bool) throws -> [MigrationCheck] {
        try details.disks.compactMap { disk -> MigrationCheck? in
            guard let path = disk.source else { return nil }
            let subject = "\(disk.device) \(disk.target)"
            let there = try destination.connection.sight(ofDisk: path)
            let directory = (path as NSString).deletingLastPathComponent
            if disk.device != "disk" || disk.readOnly {
                // libvirt copies writable disks only: a CD-ROM's image (a cloud-init seed) must be there already.
                if there.isSeen { return .ok(subject, "\(path) is there too") }
                let remedy = "copy it to the same path there, or eject it (virsh change-media \(details.name) \(disk.target) --eject --live --config)"
                if there.pool != nil { return .blocker(subject, "\(path) is not on \(destination.uri) and is never copied: " + remedy) }
                return .warning(subject, "whether \(destination.uri) has \(path) is unknown (no storage pool there holds "
                                + "\(directory)), and it is never copied: the move fails without it; " + remedy)
            }
            if !copyStorage {
                if there.isSeen { return .ok(subject, "\(path) is on storage both hosts see") }
                if there.pool != nil {
                    return .blocker(subject, "\(path) is not on \(destination.uri): give --copy-storage to copy it, "
                                    + "or keep it on storage both hosts share")
                }
                return .warning(subject, "no storage pool on \(destination.uri) holds \(directory), so whether it sees "
                                + "\(path) is unknown: the move fails if it does not (--copy-storage copies it)")
            }
            if there.isSeen {
                return .blocker(subject, "\(destination.uri) already has \(path): on storage both hosts share (then "
                                + "leave out --copy-storage) or an old copy (remove it there first); it is not overwritten")
            }
            guard let pool = there.pool, pool.active else {
                return .blocker(subject, "copying \(path) needs an active storage pool for \(directory) on "
                                + "\(destination.uri) (virsh -c \(destination.uri) pool-define-as NAME dir --target \(directory), then pool-start NAME)")
            }
            // libvirt makes the copy preallocated to the disk's whole virtual size (qemu-img create -o
            // preallocation=falloc), however little of it is used: that much must be free there.
            let needed = try domain.diskCapacityBytes(disk.target)
            if needed > pool.availableBytes {
                return .blocker(subject, "pool \(pool.name) on \(destination.uri) has \(Units.bytes(Double(pool.availableBytes))) "
                                + "free; the copy of \(path) takes its whole virtual size, \(Units.bytes(Double(needed)))")
            }
            return .ok(subject, "copied into pool \(pool.name) there")
        }
    }

    private func memoryCheck(_ details: DomainDetails, on destination: Hypervisor) throws -> MigrationCheck {
        let needed = details.currentMemoryKiB * 1024
        let free = try destination.connection.freeMemoryBytes()
        guard free >= needed else {
            return .blocker("memory", "\(destination.uri) has \(Units.bytes(Double(free))) free; \(details.name) needs "
                            + "\(Units.bytes(Double(needed)))")
        }
        return .ok("memory", "\(Units.bytes(Double(free))) free there, \(Units.bytes(Double(needed))) needed")
    }

    private static func versionNumber(_ text: String) -> Int {
        text.split(separator: ".").prefix(3).reduce(0) { $0 * 1000 + (Int($1) ?? 0) }
    }
}

/// Cancelling a move asks libvirt to abort its job until the move call returns: a cancel that comes before the job
/// has begun (libvirt then finds none to abort) or in a phase that cannot be aborted is asked again until one can.
private final class JobAbort: Sendable {
    private let over = Atomic<Bool>(false)

    func end() { over.store(true, ordering: .releasing) }

    func ask(_ domain: Domain) {
        Task.detached { [self] in
            while !over.load(ordering: .acquiring) {
                try? await BlockingPool.run { try domain.abortJob() }
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
    }
}

/// One VM's line in an evacuation: moved, or why it stays.
public struct EvacuationRow: Sendable, Equatable {
    public let vm: String
    public let moved: Bool
    public let said: String
}

extension Hypervisor {
    /// Every running or paused VM moved to `destination`, one at a time, in name order; a VM that cannot move
    /// (a blocker of its checks, or libvirt's refusal) is a row saying why and the others still go. Cancelling the
    /// task cancels the move under way and moves no more.
    public func evacuate(to destination: Hypervisor, copyStorage: Bool = false, unsafe: Bool = false,
                         progress: @escaping @Sendable (String, MigrationProgress) -> Void,
                         row: (EvacuationRow) -> Void) async throws -> [EvacuationRow] {
        var rows: [EvacuationRow] = []
        for domain in try activeDomains() {
            try Task.checkCancellation()
            let vm = VM(domain: domain)
            let plan = migrationPlan(vm, to: destination, mode: nil, copyStorage: copyStorage, unsafe: unsafe)
            let done: EvacuationRow
            if !plan.canGo {
                done = EvacuationRow(vm: vm.name, moved: false, said: plan.refusal)
            } else {
                do {
                    let outcome = try await migrate(vm, to: destination, as: plan) { progress(vm.name, $0) }
                    done = EvacuationRow(vm: vm.name, moved: true, said: outcome.said)
                } catch {
                    done = EvacuationRow(vm: vm.name, moved: false, said: UserMessage.line(for: error))
                }
            }
            rows.append(done)
            row(done)
        }
        return rows
    }

    /// The VMs an evacuation moves, by name.
    public func activeVMNames() throws -> [String] { try activeDomains().map(\.name) }

    private func activeDomains() throws -> [Domain] {
        try connection.domains().filter { (try? $0.info().state.isActive) == true }.sorted { $0.name < $1.name }
    }
}
