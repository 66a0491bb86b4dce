import BlockingWork
import Foundation
import HostDoctor
import ImageKit
import LabFormat
import Provisioning
import VirtKit

/// A lab's own world for one student (`virtlab lab up|status|reset|down`): the networks, machines and containers
/// its `environment:` declares, with the student's values. Every change is a step with the command a learner would
/// type, planned from what is there before anything is made; each object made is recorded at once in a ledger,
/// so an interrupted `up` finishes when run again and `down` removes exactly what `up` made.
public struct LabEnvironment: Sendable {
    public let labID: String
    public let student: String
    /// The declared world with the student's values filled in.
    public let world: Environment
    let ledger: EnvironmentLedger
    static let baseline = "virtlab-baseline"

    public init(_ work: LabWork, stateDirectory: String = StateDirectory.path()) throws {
        guard let declared = work.lab.environment, !declared.isEmpty else {
            throw UserFacingError("lab '\(work.lab.id)' declares no environment: it works on what you make "
                                  + "(run 'virtlab lab show \(work.lab.id)' for its steps)")
        }
        (labID, student, world) = (work.lab.id, work.student, declared.expanded(work.parameters))
        ledger = EnvironmentLedger(file: "\(stateDirectory)/environments/\(EnvironmentLedger.fileName(lab: labID, student: student))")
    }

    var mark: LabMark { LabMark(lab: labID, student: student) }
    var labels: [String: String] { ["virtlab.lab": labID, "virtlab.student": student] }
    public var needsLibvirt: Bool { !world.networks.isEmpty || !world.machines.isEmpty }
    public var needsEngine: Bool { !world.containers.isEmpty }

    /// Where the world lives: the hypervisor for networks and machines, the engine for containers (nil where the
    /// lab declares none of that kind), and the image library machines' images come from.
    public struct Places: Sendable {
        let hypervisor: Hypervisor?
        let engine: Engine?
        let library: ImageLibrary

        public init(hypervisor: Hypervisor?, engine: Engine?, library: ImageLibrary = ImageLibrary(directory: ImageLibrary.defaultDirectory())) {
            (self.hypervisor, self.engine, self.library) = (hypervisor, engine, library)
        }

        /// Where the changes go, for the log: libvirt's URI, else the engine's.
        public var uri: String { hypervisor?.uri ?? engine?.uri ?? "" }
    }

    /// One declared item as it is now.
    public struct Item: Sendable, Equatable {
        public enum Kind: String, Sendable, Codable { case network, machine, container }
        public enum State: Sendable, Equatable {
            case asDeclared, missing
            /// It should run and does not.
            case stopped
            /// It should be shut off (or exited) and runs.
            case running
            /// It is the lab's, but differs from the declaration: each difference in words.
            case drifted([String])
            /// Something of that name is there that this lab did not make for this student; `owner` is who did,
            /// where its mark says ("lab vm-hardware for bob").
            case notTheLabs(owner: String?)
        }

        public let kind: Kind
        public let name: String
        public let state: State

        public var stateText: String {
            switch state {
            case .asDeclared: "as declared"
            case .missing: "missing"
            case .stopped: kind == .network ? "inactive (should be active)" : "stopped (should run)"
            case .running: kind == .machine ? "running (should be shut off)" : "running (should have exited)"
            case .drifted(let differences): "drifted: " + differences.joined(separator: "; ")
            case .notTheLabs(let owner):
                "not the lab's: a \(kind.rawValue) of that name " + (owner.map { "made by \($0)" } ?? "that this lab did not make")
            }
        }

        public var isNotTheLabs: Bool { if case .notTheLabs = state { true } else { false } }

        /// Who made it, where it is not the lab's and its mark says.
        public var owner: String? { if case .notTheLabs(let owner) = state { owner } else { nil } }

        /// An owner as a VM's mark or a container's labels name it.
        static func owner(lab: String, student: String) -> String { "lab \(lab) for \(student)" }

        /// "machine 'web' (made by lab vm-hardware for bob)", for refusals.
        public var named: String { "\(kind.rawValue) '\(name)'" + (owner.map { " (made by \($0))" } ?? "") }
    }

    /// One change: what it does, the command a learner would type for it, and the doing.
    public struct Step: Sendable {
        public let what: String
        public let command: String
        let run: @Sendable () async throws -> String
        public func perform() async throws -> String { try await run() }
    }

    /// Opens what the environment needs (libvirt for networks and machines, on `uri` or the usual choice; the
    /// engine for containers) and runs `body` with it.
    public func withPlaces<T: Sendable>(uri: String?, doing: String,
                                        _ body: @escaping @Sendable (Places) async throws -> T) async throws -> T {
        let hypervisor = needsLibvirt ? try await BlockingPool.run { try Hypervisor.chosen(flag: uri, readOnly: false).0 } : nil
        if let hypervisor, hypervisor.uri.hasPrefix("test:") {
            throw UserFacingError("\(doing): \(hypervisor.uri) is libvirt's test driver, which forgets everything when virtlab "
                                  + "exits; a lab's environment needs a real hypervisor (--uri qemu:///system, or start libvirtd)")
        }
        guard needsEngine else { return try await body(Places(hypervisor: hypervisor, engine: nil)) }
        return try await Engine.using(doing) { engine in try await body(Places(hypervisor: hypervisor, engine: engine)) }
    }

    // MARK: status

    /// Each declared item, networks then machines then containers, compared with what is there.
    public func status(_ places: Places) async throws -> [Item] {
        try await observe(places).items
    }

    /// What is there now, read once for planning.
    struct Observed: Sendable {
        var items: [Item] = []
        var networks: [String: VirtualNetwork] = [:]
        /// Machine name -> UUID, and whether it holds the baseline snapshot.
        typealias Machine = (uuid: String, baseline: Bool, running: Bool, disk: String?)
        var machines: [String: Machine] = [:]
        var containers: [String: ContainerSummary] = [:]

        func state(_ kind: Item.Kind, _ name: String) -> Item.State? {
            items.first { $0.kind == kind && $0.name == name }?.state
        }
    }

    func observe(_ places: Places) async throws -> Observed {
        var observed = Observed()
        let recorded = ledger.entries()
        if needsLibvirt {
            let hypervisor = try places.requireHypervisor()
            let (world, mark) = (world, mark)
            let libvirt = try await BlockingPool.run { try Self.observeLibvirt(world, mark: mark, recorded: recorded, on: hypervisor.connection) }
            observed.items += libvirt.items
            (observed.networks, observed.machines) = (libvirt.networks, libvirt.machines)
        }
        if needsEngine {
            let engine = try places.requireEngine()
            let all = try await engine.containers(includeStopped: true)
            for declared in world.containers {
                guard let found = all.first(where: { $0.name == declared.name }) else {
                    observed.items.append(Item(kind: .container, name: declared.name, state: .missing))
                    continue
                }
                observed.containers[declared.name] = found
                let ours = recorded.contains { $0.kind == .container && $0.name == declared.name && $0.id == found.id }
                    || labels.allSatisfy { found.labels[$0.key] == $0.value }
                let state: Item.State
                if !ours {
                    state = .notTheLabs(owner: found.labels["virtlab.lab"].map { Item.owner(lab: $0, student: found.labels["virtlab.student"] ?? "?") })
                } else if let differences = Self.containerDifferences(found, declared), !differences.isEmpty {
                    state = .drifted(differences)
                } else if found.state.isRunning != declared.running {
                    state = declared.running ? .stopped : .running
                } else {
                    state = .asDeclared
                }
                observed.items.append(Item(kind: .container, name: declared.name, state: state))
            }
        }
        return observed
    }

    /// The image and the published ports, as the engine lists them.
    static func containerDifferences(_ found: ContainerSummary, _ declared: Environment.Container) -> [String]? {
        var differences: [String] = []
        if found.image != declared.image && !declared.image.hasSuffix("/" + found.image) {
            differences.append("image \(found.image) (declared \(declared.image))")
        }
        let published = Set(found.ports.compactMap { port in port.publicPort.map { "\($0):\(port.privatePort)/\(port.type)" } })
        let wanted = Set(declared.ports.compactMap(Environment.publishedPort).map { "\($0.hostPort):\($0.port)/\($0.proto)" })
        if published != wanted {
            differences.append("ports \(published.isEmpty ? "none" : published.sorted().joined(separator: ", ")) "
                               + "(declared \(wanted.isEmpty ? "none" : wanted.sorted().joined(separator: ", ")))")
        }
        return differences
    }

    private static func observeLibvirt(_ world: Environment, mark: LabMark, recorded: [EnvironmentLedger.Entry],
                                       on connection: Connection) throws -> Observed {
        var observed = Observed()
        let networks = try connection.networks()
        for declared in world.networks {
            guard let found = networks.first(where: { $0.name == declared.name }) else {
                observed.items.append(Item(kind: .network, name: declared.name, state: .missing))
                continue
            }
            observed.networks[declared.name] = found
            var differences: [String] = []
            if found.forwardMode != declared.mode { differences.append("mode \(found.forwardMode) (declared \(declared.mode))") }
            if let subnet = declared.subnet, !Self.sameAddress(found.address, subnet) {
                differences.append("address \(found.address ?? "none") (declared \(subnet))")
            }
            let ours = recorded.contains { $0.kind == .network && $0.name == declared.name && $0.id == found.uuid }
            // libvirt 9.0's networks carry no metadata: who made one is not known.
            let state: Item.State = !ours ? .notTheLabs(owner: nil) : !differences.isEmpty ? .drifted(differences)
                : found.active ? .asDeclared : .stopped
            observed.items.append(Item(kind: .network, name: declared.name, state: state))
        }
        for declared in world.machines {
            let domain: Domain
            do {
                domain = try connection.domain(named: declared.name)
            } catch let error as LibvirtError where error.kind == .noSuchDomain {
                observed.items.append(Item(kind: .machine, name: declared.name, state: .missing))
                continue
            }
            let details = try domain.details()
            let running = details.state?.isActive ?? false
            let snapshots = (try? domain.snapshots()) ?? []
            let hasBaseline = snapshots.contains { $0.name == LabEnvironment.baseline }
            let disk = details.disks.first { $0.device == "disk" }?.source
            observed.machines[declared.name] = (uuid: details.uuid, baseline: hasBaseline, running: running, disk: disk)
            let found = domain.labMark()
            let ours = recorded.contains { $0.kind == .machine && $0.name == declared.name && $0.id == details.uuid }
                || found == mark
            var differences: [String] = []
            let memoryMiB = Int(details.maxMemoryKiB / 1024)
            if memoryMiB != declared.memoryMiB { differences.append("memory \(memoryMiB) MiB (declared \(declared.memoryMiB) MiB)") }
            if details.vcpus != declared.vcpus { differences.append("\(details.vcpus) vCPUs (declared \(declared.vcpus))") }
            let nics = details.nics.filter { $0.type == "network" }.compactMap(\.source)
            if nics != declared.networks {
                differences.append("NICs on \(nics.isEmpty ? "no network" : nics.joined(separator: ", ")) "
                                   + "(declared \(declared.networks.isEmpty ? "none" : declared.networks.joined(separator: ", ")))")
            }
            let state: Item.State = !ours ? .notTheLabs(owner: found.map { Item.owner(lab: $0.lab, student: $0.student) })
                : !differences.isEmpty ? .drifted(differences)
                : running == declared.running ? .asDeclared : declared.running ? .stopped : .running
            observed.items.append(Item(kind: .machine, name: declared.name, state: state))
        }
        return observed
    }

    /// libvirt's "192.168.150.1/255.255.255.0" is the declared "192.168.150.1/24".
    static func sameAddress(_ found: String?, _ declared: String) -> Bool {
        func parts(_ text: String) -> (host: String, subnet: IPv4Subnet?)? {
            let split = text.split(separator: "/").map(String.init)
            return split.count == 2 ? (split[0], IPv4Subnet(address: split[0], netmaskOrPrefix: split[1])) : nil
        }
        guard let found = found.flatMap(parts), let declared = parts(declared) else { return false }
        return found.host == declared.host && found.subnet != nil && found.subnet == declared.subnet
    }

    // MARK: plans

    /// What `up` would do: make what is missing, start what should run, keep each new machine's baseline. Refused
    /// before anything is made when a name is taken by something the lab did not make, or an image or network a
    /// machine needs is not here.
    public func upPlan(_ places: Places) async throws -> [Step] {
        let observed = try await observe(places)
        try refuseForeign(observed, doing: "lab up")
        let imports = try await preflight(observed, places)
        var steps: [Step] = []
        for network in world.networks {
            switch observed.state(.network, network.name) {
            case .missing?: steps += try makeNetwork(network, places)
            case .stopped?: steps.append(startNetwork(network.name, places))
            default: break
            }
        }
        for machine in world.machines {
            let state = observed.state(.machine, machine.name)
            if state == .missing { steps.append(try makeMachine(machine, places)) }
            if machine.running && (state == .missing || state == .stopped) { steps.append(startMachine(machine.name, places)) }
            // A new cloud-init machine's baseline is its booted state, so it is kept once the guest answers.
            if machine.running && state == .missing && machine.cloudInit != nil { steps.append(waitForAgent(machine.name, places)) }
            if machine.keepsBaseline && (state == .missing || observed.machines[machine.name]?.baseline == false) {
                steps.append(keepBaseline(machine.name, places))
            }
        }
        steps += imports.map { importImage($0, places) }
        for container in world.containers {
            let state = observed.state(.container, container.name)
            if state == .missing { steps.append(makeContainer(container, places)) }
            if container.running && (state == .missing || state == .stopped) { steps.append(startContainer(container.name, places)) }
        }
        return steps
    }

    /// What `reset` would do: every machine back to its baseline (made, with one, where it is missing), every
    /// container made anew, every network there and active.
    public func resetPlan(_ places: Places) async throws -> [Step] {
        let observed = try await observe(places)
        try refuseForeign(observed, doing: "lab reset")
        let imports = try await preflight(observed, places)
        var steps: [Step] = []
        for network in world.networks {
            switch observed.state(.network, network.name) {
            case .missing?: steps += try makeNetwork(network, places)
            case .stopped?: steps.append(startNetwork(network.name, places))
            default: break
            }
        }
        let recorded = ledger.entries()
        for machine in world.machines {
            let missing = observed.state(.machine, machine.name) == .missing
            if missing || !machine.keepsBaseline {
                // A machine without a baseline is made anew, as a container is.
                if !missing, let found = observed.machines[machine.name] {
                    steps += removal(of: machine.name, found: found, recorded: recorded, places)
                } else if let leftovers = leftovers(of: machine.name, recorded: recorded, places) {
                    steps.append(leftovers)
                }
                steps.append(try makeMachine(machine, places))
                if machine.running { steps.append(startMachine(machine.name, places)) }
                if machine.running && machine.cloudInit != nil { steps.append(waitForAgent(machine.name, places)) }
                if machine.keepsBaseline { steps.append(keepBaseline(machine.name, places)) }
            } else if observed.machines[machine.name]?.baseline == true {
                steps.append(revertMachine(machine.name, places))
            } else {
                // No baseline to go back to (a snapshot removed by hand): the state it is in becomes the baseline.
                steps.append(keepBaseline(machine.name, places))
            }
        }
        steps += imports.map { importImage($0, places) }
        for container in world.containers {
            if observed.state(.container, container.name) != .missing { steps.append(removeContainer(container.name, places)) }
            steps.append(makeContainer(container, places))
            if container.running { steps.append(startContainer(container.name, places)) }
        }
        return steps
    }

    /// What `down` would remove: what the ledger says `up` made (checked by UUID or id), containers first, then
    /// machines with their disks, then networks. With `purge`, also what carries this lab's and student's mark
    /// though the ledger lost it. Never something of the same name the lab did not make.
    public func downPlan(_ places: Places, purge: Bool) async throws -> (steps: [Step], leftAlone: [Item]) {
        let observed = try await observe(places)
        let recorded = ledger.entries()
        var steps: [Step] = []
        var leftAlone: [Item] = []
        func ours(_ kind: Item.Kind, _ name: String) -> Bool {
            guard let state = observed.state(kind, name), state != .missing else { return false }
            if case .notTheLabs = state { return false }
            // The observation counts the mark as the lab's; without purge only the ledger's own record does.
            return purge || recorded.contains { $0.kind == kind && $0.name == name }
        }
        for container in world.containers.reversed() {
            if ours(.container, container.name) { steps.append(removeContainer(container.name, places)) }
        }
        for machine in world.machines.reversed() {
            if observed.state(.machine, machine.name) == .missing, let leftovers = leftovers(of: machine.name, recorded: recorded, places) {
                steps.append(leftovers)
            }
            guard ours(.machine, machine.name), let found = observed.machines[machine.name] else { continue }
            steps += removal(of: machine.name, found: found, recorded: recorded, places)
        }
        for network in world.networks.reversed() where ours(.network, network.name) {
            steps.append(removeNetwork(network.name, places))
        }
        leftAlone = observed.items.filter(\.isNotTheLabs)
        return (steps, leftAlone)
    }

    /// A machine forced off when it runs, then undefined with the files `up` made for it.
    private func removal(of name: String, found: Observed.Machine, recorded: [EnvironmentLedger.Entry], _ places: Places) -> [Step] {
        // Where the ledger names no disk (or the machine was found by its mark alone, --purge): its files where up
        // puts them, and only those.
        let madeHere = [machineFile(name, "qcow2", places), machineFile(name + "-disk1", "qcow2", places)]
        let diskHere = found.disk.flatMap { madeHere.contains($0) ? $0 : nil }
        let files: [String]
        if let entry = recorded.first(where: { $0.kind == .machine && $0.name == name }) {
            files = (entry.disk == nil ? [diskHere].compactMap { $0 } : []) + entry.files
        } else {
            let seed = machineFile(name + "-seed", "iso", places)
            files = [diskHere].compactMap { $0 } + (FileManager.default.fileExists(atPath: seed) ? [seed] : [])
        }
        return (found.running ? [forceOffMachine(name, places)] : []) + [removeMachine(name, files: files, places)]
    }

    /// The files `up` made for a machine that is gone from the host (moved to another, or undefined by hand): they
    /// are the lab's, so `reset` and `down` remove them rather than refuse or leave them.
    private func leftovers(of name: String, recorded: [EnvironmentLedger.Entry], _ places: Places) -> Step? {
        guard let entry = recorded.first(where: { $0.kind == .machine && $0.name == name }) else { return nil }
        return removeFiles(of: name, entry.files.filter { FileManager.default.fileExists(atPath: $0) }, places)
    }

    /// Forgets the ledger once nothing it lists is left (after a complete `down`).
    public func forgetIfEmpty() { ledger.removeIfEmpty() }

    // MARK: refusals

    private func refuseForeign(_ observed: Observed, doing verb: String) throws {
        let foreign = observed.items.filter(\.isNotTheLabs)
        guard !foreign.isEmpty else { return }
        let names = foreign.map(\.named).joined(separator: ", ")
        throw UserFacingError("\(verb) \(labID) needs \(names), which \(foreign.count == 1 ? "exists" : "exist") and this lab did "
                              + "not make: rename or remove \(foreign.count == 1 ? "it" : "them"), then run \(verb) again; nothing was changed")
    }

    /// An image or network a machine needs, or an image a container needs, that is not here: refused first. Returns
    /// the containers whose image is to be imported from their root file system first.
    private func preflight(_ observed: Observed, _ places: Places) async throws -> [Environment.Container] {
        let declaredNetworks = Set(world.networks.map(\.name))
        for machine in world.machines where observed.state(.machine, machine.name) == .missing {
            if machine.image == "" {
                // {{cloud_image}} found none: say what the lab needs, not "no image ''".
                throw UserFacingError("machine \(machine.name) boots the cloud image, and there is none here: import one with "
                                      + "'virtlab image import FILE.qcow2' or set VIRTLAB_CLOUD_IMAGE; nothing was changed")
            }
            if let image = machine.image {
                do { _ = try places.library.find(image) } catch {
                    throw UserFacingError("machine \(machine.name): \(error); nothing was changed")
                }
            }
            for network in machine.networks where !declaredNetworks.contains(network) {
                let hypervisor = try places.requireHypervisor()
                if (try? hypervisor.connection.network(named: network)) == nil {
                    throw UserFacingError("machine \(machine.name) has a NIC on network '\(network)', which neither the lab "
                                          + "declares nor \(hypervisor.uri) has (run 'virtlab net ls'); nothing was changed")
                }
            }
        }
        try await refuseWhatTheHostLacks(observed, places)
        guard needsEngine else { return [] }
        let images = try await places.requireEngine().images().flatMap(\.tags)
        var imports: [Environment.Container] = []
        for container in world.containers where !imports.contains(where: { $0.image == container.image }) {
            let here = images.contains { $0 == container.image || container.image.hasSuffix("/" + $0) || $0.hasSuffix("/" + container.image) }
            guard !here else { continue }
            guard let rootfs = container.rootfs else {
                throw UserFacingError("container \(container.name): image \(container.image) is not on this host "
                                      + "(virtlab never pulls: 'podman pull \(container.image)' or load it first); nothing was changed")
            }
            guard FileManager.default.isReadableFile(atPath: rootfs) else {
                throw UserFacingError("container \(container.name): image \(container.image) is not on this host, and its root file "
                                      + "system \(rootfs) is not there to import (the lab's description says how to make it); nothing was changed")
            }
            imports.append(container)
        }
        return imports
    }
}

extension LabEnvironment {
    /// Memory for the machines this would start, and room for the new disks it would make, said before anything is
    /// made. Overlays on an image are not counted: they hold only what the guest changes.
    private func refuseWhatTheHostLacks(_ observed: Observed, _ places: Places) async throws {
        guard !world.machines.isEmpty else { return }
        let hypervisor = try places.requireHypervisor()
        let starting = world.machines.filter { machine in
            machine.running && [.missing, .stopped].contains(observed.state(.machine, machine.name))
        }
        let memoryMiB = starting.map(\.memoryMiB).reduce(0, +)
        if memoryMiB > 0 {
            let host = try await BlockingPool.run { try hypervisor.connection.host() }
            let availableMiB = Int(host.availableMemoryKiB / 1024)
            if availableMiB > 0 && memoryMiB > availableMiB {
                throw UserFacingError("lab \(labID) would start \(starting.map(\.name).joined(separator: ", ")) with "
                    + "\(memoryMiB) MiB of memory; \(hypervisor.uri) has \(availableMiB) MiB available: shut off other VMs "
                    + "and run it again; nothing was changed")
            }
        }
        let newDisks = world.machines.filter { observed.state(.machine, $0.name) == .missing && $0.diskMiB != nil }
        let diskMiB = newDisks.compactMap(\.diskMiB).reduce(0, +)
        guard diskMiB > 0 else { return }
        let directory = CloudLauncher.defaultStorageDirectory(uri: hypervisor.uri)
        if let freeMiB = StorageSpace.freeMebibytes(under: directory), diskMiB > freeMiB {
            throw UserFacingError("lab \(labID) would make \(diskMiB) MiB of new disks (\(newDisks.map(\.name).joined(separator: ", "))) "
                + "in \(directory), which has \(freeMiB) MiB free: free some space and run it again; nothing was changed")
        }
    }
}

extension LabEnvironment.Places {
    func requireHypervisor() throws -> Hypervisor {
        guard let hypervisor else { throw UserFacingError("this lab's environment has networks or machines: it needs libvirt") }
        return hypervisor
    }

    func requireEngine() throws -> Engine {
        guard let engine else { throw UserFacingError("this lab's environment has containers: it needs a container engine") }
        return engine
    }
}
