import Foundation
import VirtKit

public typealias ProtectionMark = VirtKit.ProtectionMark

/// A protected VM as a host holds it: the running one on its home, or the shut-off copy kept on its standby.
public struct ProtectedVM: Sendable, Equatable {
    public let name: String
    public let mark: ProtectionMark
    public let running: Bool
}

/// Failover that never runs a disk twice: a protected VM's definition is kept (shut off) on its standby host, and
/// when its home host is lost it is started there — only if libvirt's disk locks (lockd, and QEMU's own image
/// locks) let it, which they do not while any other QEMU still holds its disks. No quorum and no power fencing:
/// the lock on the shared storage is the guard.
extension Hypervisor {
    /// Marks `vm` as protected and defines its copy on `standby` (shut off, the same UUID). Refused, before anything
    /// is changed, where the standby could not run it: the same host, a VM of that name there, a disk the standby
    /// does not see (failover needs shared storage), a VM that is not persistent.
    public func protect(_ vm: VM, standby: Hypervisor) throws -> String {
        let domain = vm.domain
        guard try domain.isPersistent() else {
            throw UserFacingError("\(vm.name) is not persistent (a transient VM): define it first (virtlab vm define)")
        }
        if let mine = try connection.hostUUID(), mine == (try standby.connection.hostUUID()) {
            throw UserFacingError("\(standby.uri) is this same host: a standby must be another host")
        }
        if let there = try? standby.connection.domain(named: vm.name),
           there.uuid != vm.uuid || (try? there.info().state.isActive) != false {
            throw UserFacingError("\(standby.uri) already has a VM named \(vm.name)\(there.uuid == vm.uuid ? " running" : ""): "
                                  + "a standby copy cannot take its place")
        }
        for disk in try domain.details().disks where disk.device == "disk" {
            guard let path = disk.source else { continue }
            guard try standby.connection.sight(ofDisk: path).isSeen else {
                throw UserFacingError("\(standby.uri) does not see \(path): failover needs the disks on storage both hosts "
                                      + "share, in a storage pool there (virsh -c \(standby.uri) pool-define-as …)")
            }
        }
        let mark = ProtectionMark(home: uri, standby: standby.uri)
        try domain.setProtectionMark(mark)
        do {
            _ = try standby.connection.define(xml: try domain.xml(inactive: true))
        } catch {
            try? domain.setProtectionMark(nil)
            throw error
        }
        return "protected \(vm.name): its definition is kept on \(standby.uri), where 'virtlab vm recover \(vm.name) "
            + "--uri \(standby.uri)' starts it if \(uri) is lost"
    }

    /// Ends the protection: the mark goes, and the standby's copy is removed where the standby answers and the copy is
    /// shut off.
    public func unprotect(_ vm: VM) throws -> String {
        guard let mark = vm.domain.protectionMark() else { return "\(vm.name) is not protected" }
        try vm.domain.setProtectionMark(nil)
        guard let standby = try? Hypervisor(uri: mark.standby, readOnly: false),
              let copy = try? standby.connection.domain(named: vm.name), copy.uuid == vm.uuid,
              (try? copy.info().state.isActive) == false else {
            return "\(vm.name) is no longer protected; its copy on \(mark.standby) was not removed (not reachable or running)"
        }
        try copy.undefine()
        return "\(vm.name) is no longer protected; its copy on \(mark.standby) is removed"
    }

    /// The VM's protection, nil where it has none.
    public func protection(of vm: VM) -> ProtectionMark? { vm.domain.protectionMark() }

    /// The protected VMs this host holds, running or as standby copies.
    public func protectedVMs() throws -> [ProtectedVM] {
        try connection.domains().compactMap { domain in
            guard let mark = domain.protectionMark() else { return nil }
            return ProtectedVM(name: domain.name, mark: mark, running: (try? domain.info().state.isActive) == true)
        }.sorted { $0.name < $1.name }
    }

    /// Starts a protected VM's copy on this host, its standby, when its home is lost. Refused when its home answers
    /// (it is not lost: start or move it there) and when its disks are still held by another QEMU (libvirt's lock);
    /// then nothing is started. On success this host becomes its home and the old home its standby.
    public func recover(_ name: String) throws -> String {
        let copy: Domain
        do { copy = try connection.domain(named: name) } catch {
            throw UserFacingError("\(name) is not defined on \(uri): recover it on its standby host (the one 'vm protect --standby' named)")
        }
        guard let mark = copy.protectionMark() else {
            throw UserFacingError("\(name) on \(uri) is not protected: there is no standby copy to start (virtlab vm protect)")
        }
        if try copy.info().state.isActive { return "\(name) already runs on \(uri)" }
        if let home = try? Hypervisor(uri: mark.home, readOnly: true), home.isAlive {
            let running = (try? home.connection.domain(named: name).info().state.isActive) == true
            throw UserFacingError(running ? "\(name) runs on \(mark.home): its host is not lost, nothing to recover"
                                  : "\(mark.home) answers: start \(name) there (virtlab vm start \(name) --uri \(mark.home)) "
                                    + "or move it (virtlab vm migrate)")
        }
        do {
            try copy.start()
        } catch let error as LibvirtError where Self.isDiskLock(error) {
            throw UserFacingError("refused to start \(name) on \(uri): its disks are still held by another QEMU (disk lock on "
                                  + "the shared storage), most likely on \(mark.home), whose daemon is lost but whose guest "
                                  + "runs on; nothing was started")
        }
        try copy.setProtectionMark(ProtectionMark(home: uri, standby: mark.home))
        return "started \(name) on \(uri): its home \(mark.home) is lost; it booted from its disks (what was in its "
            + "memory is gone)"
    }

    /// libvirt's and QEMU's words for a disk another process holds (lockd's lease, QEMU's image lock).
    static func isDiskLock(_ error: LibvirtError) -> Bool {
        ["Failed to get \"write\" lock", "is locked", "resource busy", "Lockspace resource"].contains { error.message.contains($0) }
    }
}

/// When a lost home host has been lost long enough: the failover watch's decisions, from what it observed and when
/// (seconds on any clock), so the timing is tested with a clock the test drives.
public struct FailoverWatch: Sendable {
    public enum Decision: Sendable, Equatable {
        case fine
        /// The home is lost, for this long so far; recovery waits until `after`.
        case waiting(lostFor: Double)
        /// Recover the home's protected VMs now: every round while it stays lost, so that a refused one (its disks
        /// still held) is tried again; one already started is running and is not a standby copy any more.
        case recover
        /// The home answers again after being lost.
        case back
    }

    public let after: Double
    private var lostSince: [String: Double] = [:]

    public init(after seconds: Double) { after = seconds }

    public mutating func observe(home: String, answers: Bool, at now: Double) -> Decision {
        if answers {
            return lostSince.removeValue(forKey: home) != nil ? .back : .fine
        }
        let since = lostSince[home] ?? now
        lostSince[home] = since
        return now - since >= after ? .recover : .waiting(lostFor: now - since)
    }
}

/// `virtlab failover watch`: each round looks at the protected VMs' standby copies on the standby hosts, asks
/// each one's home whether it answers, and recovers the copies of a home lost for `after` seconds; it returns every
/// decision as a line for the log (a repeated refusal once, until it changes).
public struct FailoverWatcher {
    private var watch: FailoverWatch
    private var said: [String: String] = [:]
    private let homeAnswers: (String) -> Bool

    /// `homeAnswers` asks a home host (by URI) whether it answers; by default a fresh read-only connection.
    public init(after seconds: Double, homeAnswers: @escaping (String) -> Bool = FailoverWatcher.answers) {
        watch = FailoverWatch(after: seconds)
        self.homeAnswers = homeAnswers
    }

    public static func answers(_ uri: String) -> Bool { (try? Hypervisor(uri: uri, readOnly: true))?.isAlive == true }

    public mutating func round(standbys: [Hypervisor], at now: Double) -> [String] {
        var lines: [String] = []
        for standby in standbys {
            guard let copies = try? standby.protectedVMs().filter({ !$0.running }) else {
                lines += once("standby \(standby.uri)", "the standby \(standby.uri) does not answer: nothing can be recovered there")
                continue
            }
            for (home, vms) in Dictionary(grouping: copies, by: \.mark.home).sorted(by: { $0.key < $1.key }) {
                let names = vms.map(\.name).joined(separator: ", ")
                switch watch.observe(home: home, answers: homeAnswers(home), at: now) {
                case .fine:
                    lines += once("home \(home)", "\(home) answers; on \(standby.uri) stand by: \(names)")
                case .back:
                    lines += once("home \(home)", "\(home) answers again; nothing recovered from it")
                case .waiting(let lostFor):
                    lines += once("home \(home)", "\(home) does not answer: \(names) start on \(standby.uri) once it has been "
                                  + "lost for \(Int(watch.after)) s (lost for \(Int(lostFor)) s)")
                case .recover:
                    for vm in vms {
                        let result: String
                        do { result = try standby.recover(vm.name) } catch { result = UserMessage.line(for: error) }
                        lines += once("vm \(vm.name)", result)
                    }
                }
            }
        }
        return lines
    }

    /// The line, unless it is what was last said about `subject`.
    private mutating func once(_ subject: String, _ line: String) -> [String] {
        guard said[subject] != line else { return [] }
        said[subject] = line
        return [line]
    }
}
