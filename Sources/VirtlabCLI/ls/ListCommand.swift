import Services
import ArgumentParser
import Foundation
import Humanize
import Inventory

/// `virtlab ls`: every machine on the connection, every container on the engine, and the images of both.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls", abstract: "List virtual machines, containers and images.",
        discussion: "Without a container engine the containers part says why and the rest is listed as usual.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var library: ImageCommand.LibraryOptions
    @Flag(help: "Print JSON instead of a table.") var json = false

    struct Listing: Encodable {
        let connection: ConnectionSummary
        let machines: [Machine]
        let containers: [ContainerRow]
        /// Why there are no containers, when no engine answered.
        let engineProblem: String?
        let diskImages: [Images.Row]
        let containerImages: [ContainerImageRow]
    }

    struct ContainerImageRow: Encodable {
        let kind = "container-image"
        let tags: [String]
        let id: String
        let sizeBytes: UInt64
        let created: Date
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

    func run() async throws {
        // The engine is asked while libvirt answers: its wait overlaps libvirt's work instead of following it.
        async let engineResult = Self.engineListing()
        let (host, choice) = try connection.open()
        let hypervisor = try host.info()
        let machines = try host.machines().map { info in
            Machine(name: info.name, uuid: info.uuid, id: info.id, state: MachineState(libvirtState: info.state.rawValue).label,
                    vcpus: info.vcpus, memoryKib: info.memoryKiB, maxMemoryKib: info.maxMemoryKiB, cpuTimeNs: info.cpuTimeNs)
        }
        // The storage pools through the connection already open (a second one would load a test:// file again).
        let diskImages = Images.rows(library: library.library, host: host)
        let listed = await engineResult
        let (containers, containerImages) = (try? listed.get()) ?? ([], [])
        var engineProblem: String?
        if case .failure(let error) = listed { engineProblem = UserMessage.line(for: error) }
        let imageRows = containerImages.map {
            ContainerImageRow(tags: $0.tags, id: $0.shortID, sizeBytes: $0.sizeBytes, created: $0.created)
        }
        if json {
            try Output.json(Listing(connection: ConnectionSummary(uri: host.uri, demo: choice.isDemo,
                                                                  hypervisor: "\(hypervisor.type) \(hypervisor.version)",
                                                                  readOnly: host.isReadOnly),
                                    machines: machines, containers: containers.map(ContainerRow.init),
                                    engineProblem: engineProblem, diskImages: diskImages,
                                    containerImages: imageRows))
            return
        }
        print("Virtual machines on \(host.uri) (\(hypervisor.type) \(hypervisor.version))")
        if machines.isEmpty {
            print("  none defined; 'virtlab vm define FILE.xml' or 'virtlab vm create NAME --from-image IMAGE' adds one")
        } else {
            var table = TextTable(headers: ["NAME", "STATE", "VCPUS", "MEMORY", "CPU TIME"])
            for machine in machines {
                // A VM that is off has a size, not a usage, and no CPU time of its own to show.
                let isOff = machine.state == MachineState.shutOff.label
                let memory = isOff ? Units.kibibytes(machine.maxMemoryKib)
                    : "\(Units.kibibytes(machine.memoryKib)) / \(Units.kibibytes(machine.maxMemoryKib))"
                table.add([machine.name, machine.state, "\(machine.vcpus)", memory,
                           isOff ? "-" : Units.cpuTime(nanoseconds: machine.cpuTimeNs)])
            }
            print(table.render())
        }
        print("\nContainers")
        print(engineProblem.map { "  none: \($0)" } ?? ContainerRow.table(containers.map(ContainerRow.init)))
        print("\nDisk images")
        print(ImageCommand.table(diskImages, directory: library.library.directory))
        if !imageRows.isEmpty {
            print("\nContainer images")
            var table = TextTable(headers: ["REPOSITORY:TAG", "SIZE", "CREATED", "ID"])
            for image in imageRows {
                table.add([image.tags.first ?? "<none>", Units.bytes(Double(image.sizeBytes)),
                           Units.ago(image.created), image.id])
            }
            print(table.render())
        }
    }

    static func engineListing() async -> Result<([ContainerSummary], [ContainerImage]), Error> {
        do {
            return .success(try await Engine.using("list containers") { engine in
                // Each request is a connection of its own: both are in flight at once.
                async let containers = engine.containers()
                async let images = engine.images()
                return (try await containers, try await images)
            })
        } catch {
            return .failure(error)
        }
    }
}
