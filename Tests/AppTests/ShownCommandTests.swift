import App
import BlockingWork
import Foundation
import Inventory
import ProcessRunner
import Testing
import TestTags

/// Commands shown to learners (`--explain`, the Log, dialogs) are built from words: a VM named like a placeholder
/// stays a name, and a name a shell would split or run is one quoted word that is safe to paste.
@Suite(.tags(.pure)) struct ShownCommandTests {
    static let hostileNames = ["COUNT", "NAME", "a b;c", "it's", "x$(y)"]

    /// One action of every kind the table has, with values of its own.
    static let machineActions: [MachineAction] = [
        .start, .shutdown, .reboot, .forceOff, .pause, .resume, .createSnapshot("s1", description: "it's clean"),
        .revertSnapshot("s1"), .deleteSnapshot("s1"), .delete(removeStorage: true), .clone(as: "copy", sanitize: true),
        .setAutostart(false), .setVCPUs(2, live: true), .setMemory(mebibytes: 256, live: false),
        .attachDisk(DiskToAttach(path: "/d/x.qcow2", target: "vdb", newSizeGiB: 4)), .detachDisk(target: "vdb"),
        .attachNIC(network: "default"), .detachNIC(mac: "52:54:00:00:00:01"), .reset, .attachHostDevice("0000:65:00.0"),
        .detachHostDevice("1:2"),
    ]

    static let containerActions: [ContainerAction] = [
        .start, ContainerAction(StopContainer(graceSeconds: 3)), ContainerAction(RestartContainer(graceSeconds: 30)), .pause,
        .unpause, .remove,
    ]
    static let networkActions: [NetworkAction] = [.start, .stop, .autostart(false), .delete(inUseBy: ["web1"])]

    /// Every command line the dashboard and the command line can show for a VM, container or network `name`.
    static func lines(for name: String) -> [String] {
        let uri = "qemu:///system"
        return machineActions.map { Effect.perform($0, MachineKey(connection: uri, uuid: "u"), name: name).logged(uri: uri)!.command }
            + machineActions.map { PendingAction.machine($0).command(for: name) }
            + containerActions.map { PendingAction.container($0).command(for: name) }
            + [OpenShell.rule, ReadLogs.rule].map { $0.command.line(name: name) }
            + networkActions.map { $0.command(for: name, uri: uri) }
            + [EquivalentCommand.launch(name: name, image: "/i/base.qcow2", memoryMiB: 512, uri: uri)]
    }

    /// So a new action cannot miss the hostile names below: each table's every kind is in the lists above.
    @Test func theListsCoverEveryActionOfTheTables() {
        func kinds(_ operations: [Any]) -> Set<ObjectIdentifier> { Set(operations.map { ObjectIdentifier(type(of: $0)) }) }
        #expect(kinds(Self.machineActions.map(\.operation)) == Set(MachineAction.table.map(ObjectIdentifier.init)))
        #expect(kinds(Self.containerActions.map(\.operation)) == Set(ContainerAction.table.map(ObjectIdentifier.init)))
        #expect(kinds(Self.networkActions.map(\.operation)) == Set(NetworkAction.table.map(ObjectIdentifier.init)))
    }

    @Test func aNameIsPutOnlyWhereTheNameGoesAndQuoted() {
        let placeholder = "PLACEHOLDER0"
        for name in Self.hostileNames {
            for (line, template) in zip(Self.lines(for: name), Self.lines(for: placeholder)) {
                // The line is the template's with the quoted name where the name goes, and nothing else changed:
                // a VM named COUNT does not take the vCPU count's place.
                #expect(line == template.replacingOccurrences(of: placeholder, with: ShellWords.quoted(name)), "\(line)")
            }
        }
        #expect(MachineAction.setVCPUs(2, live: false).command(for: "COUNT", uri: "test:///default")
                == "virsh -c test:///default setvcpus COUNT 2 --config")
        #expect(MachineAction.clone(as: "x;y", sanitize: false).command(for: "test")
                == "virt-clone --original test --name 'x;y' --auto-clone")
        // A name glued to fixed text is quoted with it, as one word.
        #expect(EquivalentCommand.defineNetwork("a b;c", uri: "test:///default") == "virsh -c test:///default net-define 'a b;c.xml'")
    }

    @Test func aShellReadsEachNameBackAsOneWord() async {
        for name in Self.hostileNames {
            for line in Self.lines(for: name) {
                // Each command of the line, its program replaced by printf: what a shell would pass it, word by word.
                for command in line.components(separatedBy: " && ") {
                    let words = await BlockingPool.run {
                        ProcessRunner.run(["sh", "-c", "printf '%s\\n' " + command], timeout: 30).stdout
                    }.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                    if command.contains(ShellWords.quoted(name)) { #expect(words.contains(name), "\(command) gave \(words)") }
                }
            }
        }
    }

    @Test func theGenericFormNamesItsSlotsAndOptionalParts() {
        #expect(SetVCPUs.rule.command.generic == "virsh setvcpus NAME COUNT --config [--live]")
        #expect(AttachDisk.rule.command.generic
                == "[qemu-img create -f qcow2 FILE GIBG &&] virsh attach-disk NAME FILE TARGET --subdriver qcow2 --persistent")
        #expect(OpenShell.rule.command.generic == "podman exec -it NAME sh")
        #expect(StopContainer.rule.command.generic == "podman stop [--time SECONDS] NAME")
    }
}
