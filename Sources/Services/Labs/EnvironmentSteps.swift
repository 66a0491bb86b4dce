import BlockingWork
import ContainerKit
import Foundation
import Inventory
import LabFormat
import Provisioning
import VirtKit

/// Each change an environment plan may hold, with the command a learner would type for it. Each records what it
/// made or removed in the ledger the moment it is done.
extension LabEnvironment {
    func makeNetwork(_ network: Environment.Network, _ places: Places) throws -> [Step] {
        let hypervisor = try places.requireHypervisor()
        let spec: NetworkSpec
        do { spec = try NetworkSpec.parse(name: network.name, mode: network.mode, subnet: network.subnet, dhcp: network.dhcp) } catch {
            throw UserFacingError("network \(network.name): \(error)")
        }
        let ledger = ledger
        let define = Step(what: "make network \(network.name)", command: EquivalentCommand.defineNetwork(network.name, uri: hypervisor.uri)) {
            try await BlockingPool.run {
                let made = try hypervisor.connection.defineNetwork(spec)
                try ledger.record(.init(kind: .network, name: made.name, id: made.uuid))
                return "made network \(made.name) (\(made.forwardMode)\(made.subnet.map { ", \($0)" } ?? ""))"
            }
        }
        return [define, startNetwork(network.name, places)]
    }

    func startNetwork(_ name: String, _ places: Places) -> Step {
        let hypervisor = places.hypervisor!
        return Step(what: "start network \(name)", command: virsh(["net-start", name], hypervisor)) {
            try await BlockingPool.run { try hypervisor.connection.startNetwork(name); return "started network \(name)" }
        }
    }

    func removeNetwork(_ name: String, _ places: Places) -> Step {
        let (hypervisor, ledger) = (places.hypervisor!, ledger)
        return Step(what: "remove network \(name)", command: virsh(["net-destroy", name], hypervisor) + " ; " + virsh(["net-undefine", name], hypervisor)) {
            try await BlockingPool.run {
                try hypervisor.connection.deleteNetwork(name)
                try ledger.forget(.network, name)
                return "removed network \(name)"
            }
        }
    }

    func machineFile(_ name: String, _ suffix: String, _ places: Places) -> String {
        "\(CloudLauncher.defaultStorageDirectory(uri: places.hypervisor?.uri ?? ""))/\(name).\(suffix)"
    }

    func makeMachine(_ machine: Environment.Machine, _ places: Places) throws -> Step {
        let hypervisor = try places.requireHypervisor()
        let disk: LabMachineSpec.Disk
        let storage = CloudLauncher.defaultStorageDirectory(uri: hypervisor.uri)
        if let image = machine.image {
            do { disk = .overlay(try places.library.find(image)) } catch { throw UserFacingError("machine \(machine.name): \(error)") }
        } else if let ova = machine.ova {
            do {
                let path = URL(fileURLWithPath: ova).standardizedFileURL.path
                disk = .appliance(path: path, try ApplianceImporter(connection: hypervisor.connection).plan(path, name: machine.name,
                                                                                                             storageDirectory: storage))
            } catch { throw UserFacingError("machine \(machine.name): \(error)") }
        } else {
            disk = .empty(mebibytes: machine.diskMiB ?? 64)
        }
        // A key pair up is to make is made by the step; any other key is read now, so a bad one is said first.
        let pairToMake = machine.cloudInit?.keyPair.flatMap { FileManager.default.fileExists(atPath: $0 + ".pub") ? nil : $0 }
        @Sendable func seed() throws -> CloudSeed? {
            try machine.cloudInit.map { cloudInit in
                let key = try (cloudInit.sshKey ?? cloudInit.keyPair.map { $0 + ".pub" }).map(PublicKeyFile.line)
                return CloudSeed(hostname: machine.name, userData: CloudSeed.userData(user: cloudInit.user, sshKey: key,
                                                                                      packages: cloudInit.packages, commands: cloudInit.commands))
            }
        }
        let planned = pairToMake == nil ? try seed() : nil
        let (name, mark) = (machine.name, mark)
        @Sendable func spec(_ seed: CloudSeed?) -> LabMachineSpec {
            LabMachineSpec(name: name, memoryMiB: machine.memoryMiB, vcpus: machine.vcpus, disk: disk, networks: machine.networks,
                           mark: mark, storageDirectory: storage, seed: seed,
                           user: machine.cloudInit?.user)
        }
        let shown = spec(machine.cloudInit == nil ? nil : CloudSeed(hostname: name, userData: ""))
        let ledger = ledger
        var command = pairToMake.map { LoginKeyPair.command(at: $0).map(ShellWords.quoted).joined(separator: " ") + " && " } ?? ""
        command += shown.diskCommand + " && "
        if let seedPath = shown.seedPath { command += "cloud-localds \(ShellWords.quoted(seedPath)) user-data meta-data && " }
        command += virsh(["define", name + ".xml"], hypervisor)
        return Step(what: "make VM \(name)", command: command) {
            try await BlockingPool.run {
                do {
                    if let pair = pairToMake { try LoginKeyPair.make(at: pair, comment: "virtlab lab \(mark.lab) \(name)") }
                    do {
                        let made = spec(try planned ?? seed())
                        let uuid = try LabMachineBuilder(connection: hypervisor.connection).define(made)
                        try ledger.record(.init(kind: .machine, name: name, id: uuid, disk: made.diskPaths[0],
                                                moreDisks: made.diskPaths.count > 1 ? Array(made.diskPaths.dropFirst()) : nil,
                                                seed: made.seedPath, keyPair: pairToMake))
                    } catch {
                        // Nothing half-made: a key pair made for a VM that was not made goes with it.
                        if let pair = pairToMake { for file in [pair, pair + ".pub"] { try? FileManager.default.removeItem(atPath: file) } }
                        throw error
                    }
                } catch let error as ProvisioningError {
                    throw UserFacingError(error.description)
                }
                return "made VM \(name) (\(machine.memoryMiB) MiB, \(machine.vcpus) vCPU\(machine.vcpus == 1 ? "" : "s"), "
                    + "disk\(shown.diskPaths.count > 1 ? "s" : "") \(shown.diskPaths.joined(separator: ", ")))" + (pairToMake.map { " and its login key pair \($0)" } ?? "")
            }
        }
    }

    func startMachine(_ name: String, _ places: Places) -> Step {
        let hypervisor = places.hypervisor!
        return Step(what: "start VM \(name)", command: virsh(["start", name], hypervisor)) {
            try await BlockingPool.run { try hypervisor.connection.domain(named: name).start(); return "started VM \(name)" }
        }
    }

    /// How long a first boot may take under emulation (TCG) before the wait is given up.
    static let agentBound: Duration = .seconds(600)

    /// Waits, at most `agentBound`, until the guest agent answers and cloud-init has finished: the guest is up.
    func waitForAgent(_ name: String, _ places: Places) -> Step {
        let hypervisor = places.hypervisor!
        let minutes = Int(Self.agentBound.components.seconds / 60)
        return Step(what: "wait for VM \(name)'s guest agent (at most \(minutes) min)",
                    command: virsh(["qemu-agent-command", name, "{\"execute\":\"guest-ping\"}"], hypervisor)) {
            let deadline = ContinuousClock.now + Self.agentBound
            while ContinuousClock.now < deadline {
                // The agent starts before cloud-init has finished (its commands run last): the boot is done when
                // cloud-init says so (boot-finished), so that what the lab's commands make is there.
                let done = await BlockingPool.run { () -> Bool in
                    guard let domain = try? hypervisor.connection.domain(named: name),
                          (try? domain.guestInfo(timeoutSeconds: 5)) != nil else { return false }
                    let finished = try? domain.guestExec(["test", "-e", "/var/lib/cloud/instance/boot-finished"], timeoutSeconds: 30)
                    return finished?.exitCode == 0
                }
                if done { return "VM \(name)'s guest agent answers and cloud-init has finished: its first boot is done" }
                try await Task.sleep(for: .seconds(5))
            }
            throw UserFacingError("VM \(name)'s first boot did not finish within \(minutes) minutes (its guest agent answering, cloud-init done): does the image have "
                                  + "qemu-guest-agent and cloud-init? ('virsh console \(name)', or c on it in the dashboard, shows its boot)")
        }
    }

    func forceOffMachine(_ name: String, _ places: Places) -> Step {
        let hypervisor = places.hypervisor!
        return Step(what: "force off VM \(name)", command: virsh(["destroy", name], hypervisor)) {
            try await BlockingPool.run { try hypervisor.connection.domain(named: name).forceOff(); return "forced off VM \(name)" }
        }
    }

    func keepBaseline(_ name: String, _ places: Places) -> Step {
        let hypervisor = places.hypervisor!
        let description = "the state lab up made; lab reset returns here"
        return Step(what: "keep the baseline of VM \(name)",
                    command: virsh(["snapshot-create-as", name, Self.baseline, "--description", description], hypervisor)) {
            try await BlockingPool.run {
                _ = try hypervisor.connection.domain(named: name).createSnapshot(name: Self.baseline, description: description)
                return "kept the baseline of VM \(name) (snapshot \(Self.baseline))"
            }
        }
    }

    func revertMachine(_ name: String, _ places: Places) -> Step {
        let hypervisor = places.hypervisor!
        return Step(what: "revert VM \(name) to its baseline", command: virsh(["snapshot-revert", name, Self.baseline], hypervisor)) {
            try await BlockingPool.run {
                try hypervisor.connection.domain(named: name).revert(toSnapshot: Self.baseline)
                return "reverted VM \(name) to its baseline"
            }
        }
    }

    /// `files`: its disk and seed, made by `up`.
    func removeMachine(_ name: String, files: [String], _ places: Places) -> Step {
        let (hypervisor, ledger) = (places.hypervisor!, ledger)
        var command = virsh(["undefine", name, "--snapshots-metadata"], hypervisor)
        if !files.isEmpty { command += " && rm -f " + files.map(ShellWords.quoted).joined(separator: " ") }
        return Step(what: "remove VM \(name)", command: command) {
            try await BlockingPool.run {
                try hypervisor.connection.domain(named: name).undefine()
                try ledger.forget(.machine, name)
                for file in files { try? FileManager.default.removeItem(atPath: file) }
                let disks = files.filter { $0.hasSuffix(".qcow2") }
                guard !disks.isEmpty else { return "removed VM \(name)" }
                let seed = files.contains { $0.hasSuffix("-seed.iso") } ? "its cloud-init seed" : nil
                let pair = files.first { $0.hasSuffix(".pub") }.map { "its login key pair \($0.dropLast(4))" }
                let also = [seed, pair].compactMap { $0 }
                return "removed VM \(name) and its disk\(disks.count > 1 ? "s" : "") \(disks.joined(separator: ", "))"
                    + (also.isEmpty ? "" : " (and \(also.joined(separator: " and ")))")
            }
        }
    }

    /// What is left of a machine that is no longer on the host: its files, and its line in the ledger.
    func removeFiles(of name: String, _ files: [String], _ places: Places) -> Step {
        let ledger = ledger
        let command = files.isEmpty ? "true" : "rm -f " + files.map(ShellWords.quoted).joined(separator: " ")
        return Step(what: "remove what is left of VM \(name)", command: command) {
            for file in files { try? FileManager.default.removeItem(atPath: file) }
            try ledger.forget(.machine, name)
            // A VM that moved is not followed to its new host: what runs there is the student's to remove.
            return "VM \(name) is not on this host (moved, or undefined by hand)"
                + (files.isEmpty ? "; forgot it" : "; removed what up made for it here: \(files.joined(separator: ", "))")
        }
    }

    /// The image from the container's root file system; it stays after `down`, as a downloaded image would.
    func importImage(_ container: Environment.Container, _ places: Places) -> Step {
        let (engine, rootfs) = (places.engine!, container.rootfs ?? "")
        let change = container.command.isEmpty ? [] : ["--change", "CMD " + ((try? JSONEncoder().encode(container.command))
            .map { String(decoding: $0, as: UTF8.self) } ?? "")]
        let command = (["podman", "import"] + change + [rootfs, container.image]).map(ShellWords.quoted).joined(separator: " ")
        return Step(what: "import image \(container.image)", command: command) {
            try await engine.importImage(rootFileSystem: rootfs, as: container.image, command: container.command)
            return "imported image \(container.image) from \(rootfs)"
        }
    }

    func makeContainer(_ container: Environment.Container, _ places: Places) -> Step {
        let (engine, ledger, labels) = (places.engine!, ledger, labels)
        let ports = container.ports.compactMap(Environment.publishedPort).map {
            PortToPublish(hostIP: $0.hostIP, hostPort: $0.hostPort, port: $0.port, proto: $0.proto)
        }
        let spec = ContainerSpec(name: container.name, image: container.image, command: container.command,
                                 interactive: container.interactive, labels: labels, ports: ports, volumes: container.volumes)
        var command: [String] = ["podman", "create"] + (container.interactive ? ["-it"] : []) + ["--name", container.name]
        for (key, value) in labels.sorted(by: { $0.key < $1.key }) { command += ["--label", "\(key)=\(value)"] }
        for port in container.ports { command += ["-p", port] }
        for volume in container.volumes { command += ["-v", volume] }
        command += [container.image] + container.command
        return Step(what: "make container \(container.name)", command: command.map(ShellWords.quoted).joined(separator: " ")) {
            let id = try await engine.create(spec)
            try ledger.record(.init(kind: .container, name: container.name, id: id))
            return "made container \(container.name) from \(container.image)"
        }
    }

    func startContainer(_ name: String, _ places: Places) -> Step {
        let (engine, start) = (places.engine!, ContainerAction(StartContainer()))
        return Step(what: "start container \(name)", command: start.command(for: name)) {
            _ = try await engine.perform(start, on: name)
            return "started container \(name)"
        }
    }

    func removeContainer(_ name: String, _ places: Places) -> Step {
        let (engine, ledger, remove) = (places.engine!, ledger, ContainerAction(RemoveContainer(force: true)))
        return Step(what: "remove container \(name)", command: remove.command(for: name)) {
            _ = try await engine.perform(remove, on: name)
            try ledger.forget(.container, name)
            return "removed container \(name)"
        }
    }

    func virsh(_ arguments: [String], _ hypervisor: Hypervisor) -> String {
        (["virsh", "-c", hypervisor.uri] + arguments).map(ShellWords.quoted).joined(separator: " ")
    }
}
