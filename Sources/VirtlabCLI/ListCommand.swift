import ArgumentParser
import Humanize
import VirtKit

/// `virtlab ls`: every machine on the connection. Containers and images join this list with their providers.
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List virtual machines.")

    @OptionGroup var connection: ConnectionOptions
    @Flag(help: "Print JSON instead of a table.") var json = false

    struct Listing: Encodable {
        let connection: ConnectionSummary
        let machines: [Machine]
    }

    struct ConnectionSummary: Encodable {
        let uri: String
        let demo: Bool
        let hypervisor: String
        let readOnly: Bool
    }

    struct Machine: Encodable {
        let kind = "vm"
        let name: String
        let uuid: String
        let id: Int?
        let state: String
        let vcpus: Int
        let memoryKib: UInt64
        let maxMemoryKib: UInt64
        let cpuTimeNs: UInt64
    }

    func run() throws {
        let (conn, choice) = try connection.open()
        let hypervisor = try conn.hypervisor()
        let machines = try conn.domains().map { domain in
            let info = try domain.info()
            return Machine(name: info.name, uuid: info.uuid, id: info.id, state: info.state.label, vcpus: info.vcpus,
                           memoryKib: info.memoryKiB, maxMemoryKib: info.maxMemoryKiB, cpuTimeNs: info.cpuTimeNs)
        }.sorted { $0.name < $1.name }
        if json {
            try Output.json(Listing(connection: ConnectionSummary(uri: conn.uri, demo: choice.isDemo,
                                                                  hypervisor: "\(hypervisor.type) \(hypervisor.version)",
                                                                  readOnly: conn.isReadOnly),
                                    machines: machines))
            return
        }
        print("Virtual machines on \(conn.uri) (\(hypervisor.type) \(hypervisor.version))")
        guard !machines.isEmpty else {
            print("  none defined; 'virtlab vm define FILE.xml' adds one")
            return
        }
        var table = TextTable(headers: ["NAME", "STATE", "VCPUS", "MEMORY", "CPU TIME"])
        for machine in machines {
            // A VM that is off has a size, not a usage, and no CPU time of its own to show.
            let isOff = machine.state == DomainState.shutOff.label
            let memory = isOff ? Units.kibibytes(machine.maxMemoryKib)
                : "\(Units.kibibytes(machine.memoryKib)) / \(Units.kibibytes(machine.maxMemoryKib))"
            table.add([machine.name, machine.state, "\(machine.vcpus)", memory,
                       isOff ? "-" : Units.cpuTime(nanoseconds: machine.cpuTimeNs)])
        }
        print(table.render())
    }
}
