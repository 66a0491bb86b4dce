import Foundation
import Yams

/// The world a lab brings with it: networks, machines and containers that `virtlab lab up` makes for the
/// student, `lab status` compares with what is there, `lab reset` returns to, and `lab down` removes. Names and
/// values may hold `{{parameters}}`, filled in per student.
public struct Environment: Sendable, Equatable {
    public let networks: [Network]
    public let machines: [Machine]
    public let containers: [Container]

    public var isEmpty: Bool { networks.isEmpty && machines.isEmpty && containers.isEmpty }

    public init(networks: [Network] = [], machines: [Machine] = [], containers: [Container] = []) {
        (self.networks, self.machines, self.containers) = (networks, machines, containers)
    }

    /// A libvirt network, as `virtlab net create` makes one.
    public struct Network: Sendable, Equatable {
        public let name: String
        /// isolated (host-only), nat, route or open.
        public let mode: String
        public let subnet: String?
        /// START-END.
        public let dhcp: String?

        public init(name: String, mode: String, subnet: String?, dhcp: String?) {
            (self.name, self.mode, self.subnet, self.dhcp) = (name, mode, subnet, dhcp)
        }
    }

    /// A VM on a disk of its own: a new empty one, an overlay on an image from the image library, or an appliance's.
    public struct Machine: Sendable, Equatable {
        public let name: String
        public let memoryMiB: Int
        public let vcpus: Int
        /// A new empty qcow2 disk of this size…
        public let diskMiB: Int?
        /// …or an overlay on this image (a path, or a name in the image library)…
        public let image: String?
        /// …or the disks of this appliance (an .ova, or an .ovf with its disks beside it), converted to qcow2.
        public let ova: String?
        /// A NIC on each, in order.
        public let networks: [String]
        public let running: Bool
        /// What cloud-init does at the first boot of an image that has it (a seed beside the disk).
        public let cloudInit: CloudInit?
        /// `lab up` keeps a snapshot that `lab reset` reverts to; without one, reset makes the machine anew. libvirt
        /// moves no VM that has snapshots to another host, so a machine that is to move keeps none.
        public let keepsBaseline: Bool

        public init(name: String, memoryMiB: Int, vcpus: Int, diskMiB: Int?, image: String?, ova: String? = nil, networks: [String],
                    running: Bool, cloudInit: CloudInit? = nil, keepsBaseline: Bool = true) {
            (self.name, self.memoryMiB, self.vcpus, self.diskMiB, self.image, self.ova, self.networks, self.running, self.cloudInit)
                = (name, memoryMiB, vcpus, diskMiB, image, ova, networks, running, cloudInit)
            self.keepsBaseline = keepsBaseline
        }
    }

    /// A machine's first boot through cloud-init: a sudo user with an SSH key, packages, commands.
    public struct CloudInit: Sendable, Equatable {
        public let user: String
        /// An OpenSSH public key file for the user…
        public let sshKey: String?
        /// …or a key pair (FILE and FILE.pub) that `up` makes when it is missing, as Vagrant makes a machine's key.
        public let keyPair: String?
        public let packages: [String]
        /// Shell lines run once, at the end of the first boot (cloud-init's runcmd).
        public let commands: [String]

        public init(user: String, sshKey: String?, keyPair: String? = nil, packages: [String], commands: [String]) {
            (self.user, self.sshKey, self.keyPair, self.packages, self.commands) = (user, sshKey, keyPair, packages, commands)
        }
    }

    /// A container, as `podman run` makes one.
    public struct Container: Sendable, Equatable {
        public let name: String
        public let image: String
        public let command: [String]
        /// Stdin kept open with a terminal (`-it`): a shell that waits, as an OS container's does.
        public let interactive: Bool
        public let running: Bool
        /// Published ports as `-p` takes them (`8080:80`, `127.0.0.1:8080:80/udp`).
        public let ports: [String]
        /// Bind mounts and named volumes as `-v` takes them (`/srv/site:/srv:ro`, `data:/var/lib/data`).
        public let volumes: [String]
        /// A root file system (a tar or tar.gz) that `up` imports as `image` when the engine lacks it.
        public let rootfs: String?

        public init(name: String, image: String, command: [String], interactive: Bool, running: Bool,
                    ports: [String] = [], volumes: [String] = [], rootfs: String? = nil) {
            (self.name, self.image, self.command, self.interactive, self.running, self.ports, self.volumes, self.rootfs)
                = (name, image, command, interactive, running, ports, volumes, rootfs)
        }
    }

    /// One line per item, as `lab show` lists them: "machine web (64 MiB, 1 vCPU, a new 16 MiB disk, NICs on
    /// lab-net; shut off)".
    public var summary: [String] {
        let networkLines = networks.map { network in
            "network \(network.name) (\([network.mode, network.subnet, network.dhcp.map { "DHCP \($0)" }].compactMap { $0 }.joined(separator: ", ")))"
        }
        let machineLines = machines.map { machine in
            let disk = machine.image.map { $0.isEmpty ? "an overlay on the cloud image (none here yet)" : "an overlay on \($0)" }
                ?? machine.ova.map { "the disks of appliance \($0)" }
                ?? "a new \(machine.diskMiB ?? 0) MiB disk"
            let nics = machine.networks.isEmpty ? "no NIC" : "NICs on " + machine.networks.joined(separator: ", ")
            let cloudInit = machine.cloudInit.map { ", cloud-init user \($0.user)" + ($0.packages.isEmpty ? "" : " with \($0.packages.joined(separator: " "))") } ?? ""
            return "machine \(machine.name) (\(machine.memoryMiB) MiB, \(machine.vcpus) vCPU\(machine.vcpus == 1 ? "" : "s"), \(disk), "
                + "\(nics)\(cloudInit); \(machine.running ? "running" : "shut off")\(machine.keepsBaseline ? "" : "; no snapshot, made anew at reset"))"
        }
        let containerLines = containers.map { container in
            let runs = container.command.isEmpty ? "" : ", runs \(container.command.joined(separator: " "))"
            let ports = container.ports.isEmpty ? "" : ", ports " + container.ports.joined(separator: " ")
            return "container \(container.name) (\(container.image)\(runs)\(ports); \(container.running ? "running" : "exited"))"
        }
        return networkLines + machineLines + containerLines
    }

    /// The same world with the student's values filled in.
    public func expanded(_ parameters: Parameters) -> Environment {
        func text(_ value: String) -> String { parameters.expand(value) }
        return Environment(
            networks: networks.map { Network(name: text($0.name), mode: $0.mode, subnet: $0.subnet.map { text($0) }, dhcp: $0.dhcp.map { text($0) }) },
            machines: machines.map {
                Machine(name: text($0.name), memoryMiB: $0.memoryMiB, vcpus: $0.vcpus, diskMiB: $0.diskMiB,
                        image: $0.image.map { text($0) }, ova: $0.ova.map { text($0) }, networks: $0.networks.map { text($0) }, running: $0.running,
                        cloudInit: $0.cloudInit.map { CloudInit(user: text($0.user), sshKey: $0.sshKey.map(text),
                                                                keyPair: $0.keyPair.map(text), packages: $0.packages.map(text), commands: $0.commands.map(text)) },
                        keepsBaseline: $0.keepsBaseline)
            },
            containers: containers.map {
                Container(name: text($0.name), image: text($0.image), command: $0.command.map { text($0) },
                          interactive: $0.interactive, running: $0.running, ports: $0.ports.map { text($0) },
                          volumes: $0.volumes.map { text($0) }, rootfs: $0.rootfs.map { text($0) })
            })
    }
}

extension Schema {
    public static let environment: [String: Field] = [
        "networks": Field(.list, "libvirt networks (below)"),
        "machines": Field(.list, "VMs (below)"),
        "containers": Field(.list, "containers (below)"),
    ]

    public static let environmentNetwork: [String: Field] = [
        "name": Field(.string, required: true, "the network's name, e.g. \"lab-{{student}}\""),
        "mode": Field(.string, required: true, "isolated (host-only), nat, route or open"),
        "subnet": Field(.string, "the host's address and prefix, e.g. 192.168.150.1/24"),
        "dhcp": Field(.string, "the range handed out, START-END"),
    ]

    public static let environmentMachine: [String: Field] = [
        "name": Field(.string, required: true, "the VM's name"),
        "memory": Field(.string, required: true, "e.g. 64M, 512M or 1G"),
        "vcpus": Field(.int, "virtual CPUs (default 1)"),
        "disk": Field(.string, "a new empty qcow2 disk of this size, e.g. 64M (or image, or ova)"),
        "image": Field(.string, "an overlay on this image: a path, or a name in the image library, a cloud image or a template (or disk, or ova)"),
        "ova": Field(.string, "a virtual appliance, .ova (or .ovf with its disks beside it): its disks converted to qcow2 (or disk, or image)"),
        "networks": Field(.stringList, "a NIC on each network named (the environment's, or one the host has)"),
        "state": Field(.string, "running (default) or shut off"),
        "cloud_init": Field(.mapping, "its first boot, on an image with cloud-init: user, ssh_key or ssh_key_pair, packages, commands (below)"),
        "baseline": Field(.bool, "keep a snapshot for lab reset to revert to (default true); false: reset makes it anew, and the VM can migrate (libvirt moves no VM with snapshots)"),
    ]

    public static let environmentCloudInit: [String: Field] = [
        "user": Field(.string, required: true, "a sudo user to make"),
        "ssh_key": Field(.string, "an OpenSSH public key file (.pub) the user logs in with (or ssh_key_pair)"),
        "ssh_key_pair": Field(.string, "a key pair the user logs in with, FILE and FILE.pub: lab up makes it when missing, lab down removes what up made (or ssh_key)"),
        "packages": Field(.stringList, "packages to install at first boot (the guest needs its mirror)"),
        "commands": Field(.stringList, "shell lines run once, at the end of the first boot"),
    ]

    public static let environmentContainer: [String: Field] = [
        "name": Field(.string, required: true, "the container's name"),
        "image": Field(.string, required: true, "e.g. docker.io/library/busybox:latest: pulled already (virtlab never pulls), or made from rootfs"),
        "command": Field(.stringList, "what it runs, as a list of words (default: the image's own)"),
        "interactive": Field(.bool, "keep a terminal open (-it), as a shell that waits for you (default false)"),
        "ports": Field(.stringList, "ports to publish, as -p takes them: 8080:80, 127.0.0.1:8080:80, 5353:53/udp"),
        "volumes": Field(.stringList, "bind mounts and named volumes, as -v takes them: /srv/site:/srv:ro, data:/var/lib/data"),
        "rootfs": Field(.string, "a root file system (tar or tar.gz) imported as the image when it is not here, e.g. one debootstrap made"),
        "state": Field(.string, "running (default) or exited"),
    ]
}

extension Reader {
    func environment(_ node: Node?) -> Environment? {
        guard let node, let fields = mapping(node, Schema.environment, what: "the environment") else { return nil }
        let networks = items(fields["networks"], "network", network)
        let machines = items(fields["machines"], "machine", machine)
        let containers = items(fields["containers"], "container", container)
        return Environment(networks: networks, machines: machines, containers: containers)
    }

    /// The list's items that read well; a second item of the same name is said where it stands.
    private func items<Item>(_ node: Node?, _ kind: String, _ read: (Node) -> Item?) -> [Item] where Item: Named {
        var seen = Set<String>()
        return list(node, what: kind + "s").compactMap { itemNode in
            guard let item = read(itemNode) else { return nil }
            if !seen.insert(item.name).inserted { report(itemNode, "two \(kind)s are named '\(item.name)' in the environment") }
            return item
        }
    }

    private func network(_ node: Node) -> Environment.Network? {
        guard let fields = mapping(node, Schema.environmentNetwork, what: "a network") else { return nil }
        let mode = string(fields["mode"], "mode") ?? ""
        if fields["mode"] != nil, !["isolated", "nat", "route", "open"].contains(mode) {
            report(fields["mode"], "network mode '\(mode)': use isolated (host-only), nat, route or open")
        }
        return Environment.Network(name: string(fields["name"], "name") ?? "", mode: mode,
                                   subnet: string(fields["subnet"], "subnet"), dhcp: string(fields["dhcp"], "dhcp"))
    }

    private func machine(_ node: Node) -> Environment.Machine? {
        guard let fields = mapping(node, Schema.environmentMachine, what: "a machine") else { return nil }
        let memory = size(fields["memory"], "memory")
        let disk = size(fields["disk"], "disk")
        let image = string(fields["image"], "image")
        let ova = string(fields["ova"], "ova")
        if [fields["disk"], fields["image"], fields["ova"]].compactMap({ $0 }).count != 1 {
            report(node, "a machine needs a disk: 'disk' (a new empty one of that size), 'image' (an overlay on it) or 'ova' "
                   + "(an appliance's disks), one of them")
        }
        let state = string(fields["state"], "state") ?? "running"
        if !["running", "shut off"].contains(state) { report(fields["state"], "machine state '\(state)': use running or shut off") }
        let vcpus = int(fields["vcpus"], "vcpus") ?? 1
        if vcpus < 1 { report(fields["vcpus"], "'vcpus' is at least 1") }
        var cloudInit: Environment.CloudInit?
        if let node = fields["cloud_init"], let given = mapping(node, Schema.environmentCloudInit, what: "cloud_init") {
            if image == nil { report(node, "cloud_init needs 'image': a cloud image that has cloud-init (an empty disk boots nothing)") }
            if given["ssh_key"] != nil && given["ssh_key_pair"] != nil {
                report(given["ssh_key_pair"], "give ssh_key (a public key file you have) or ssh_key_pair (one lab up makes), not both")
            }
            cloudInit = Environment.CloudInit(user: string(given["user"], "user") ?? "", sshKey: string(given["ssh_key"], "ssh_key"),
                                              keyPair: string(given["ssh_key_pair"], "ssh_key_pair"),
                                              packages: strings(given["packages"], "packages"), commands: strings(given["commands"], "commands"))
        }
        var keepsBaseline = true
        if case .bool(let given)? = fields["baseline"].flatMap({ value($0, .bool, "baseline") }) { keepsBaseline = given }
        return Environment.Machine(name: string(fields["name"], "name") ?? "", memoryMiB: memory ?? 0, vcpus: vcpus,
                                   diskMiB: disk, image: image, ova: ova, networks: strings(fields["networks"], "networks"),
                                   running: state == "running", cloudInit: cloudInit, keepsBaseline: keepsBaseline)
    }

    private func container(_ node: Node) -> Environment.Container? {
        guard let fields = mapping(node, Schema.environmentContainer, what: "a container") else { return nil }
        let state = string(fields["state"], "state") ?? "running"
        if !["running", "exited"].contains(state) { report(fields["state"], "container state '\(state)': use running or exited") }
        var interactive = false
        if case .bool(let given)? = fields["interactive"].flatMap({ value($0, .bool, "interactive") }) { interactive = given }
        let ports = strings(fields["ports"], "ports")
        for port in ports where !port.contains("{{") && Environment.publishedPort(port) == nil {
            report(fields["ports"], "port '\(port)': write HOSTPORT:PORT or IP:HOSTPORT:PORT, with /udp for UDP (e.g. 8080:80)")
        }
        let volumes = strings(fields["volumes"], "volumes")
        for volume in volumes where !Environment.isVolume(volume) {
            report(fields["volumes"], "volume '\(volume)': write SOURCE:/PATH[:ro] (a host path or a volume name, then where it goes)")
        }
        return Environment.Container(name: string(fields["name"], "name") ?? "", image: string(fields["image"], "image") ?? "",
                                     command: strings(fields["command"], "command"), interactive: interactive,
                                     running: state == "running", ports: ports, volumes: volumes,
                                     rootfs: string(fields["rootfs"], "rootfs"))
    }

    /// "64M", "1G", "512MiB", "2048" (MiB) as MiB; at least 1.
    private func size(_ node: Node?, _ key: String) -> Int? {
        guard let node, let text = string(node, key) else { return nil }
        guard let mebibytes = Environment.mebibytes(text), mebibytes >= 1 else {
            report(node, "'\(key)' must be a size such as 64M, 512M or 2G (got '\(text)')")
            return nil
        }
        return mebibytes
    }
}

protocol Named { var name: String { get } }
extension Environment.Network: Named {}
extension Environment.Machine: Named {}
extension Environment.Container: Named {}

extension Environment {
    /// `8080:80`, `127.0.0.1:8080:80`, `5353:53/udp` in parts (an empty host address: every one); nil when it is
    /// not a port to publish.
    public static func publishedPort(_ text: String) -> (hostIP: String, hostPort: Int, port: Int, proto: String)? {
        let split = text.split(separator: "/", maxSplits: 1).map(String.init)
        guard let address = split.first else { return nil }
        let proto = split.count == 2 ? split[1] : "tcp"
        let parts = address.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let numbers = parts.suffix(2).compactMap { Int($0) }.filter { (1...65535).contains($0) }
        guard ["tcp", "udp"].contains(proto), parts.count == 2 || parts.count == 3, numbers.count == 2 else { return nil }
        return (parts.count == 3 ? parts[0] : "", numbers[0], numbers[1], proto)
    }

    /// `SOURCE:/PATH` or `SOURCE:/PATH:ro|rw`, the source a host path or a volume name.
    static func isVolume(_ text: String) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        return (parts.count == 2 || (parts.count == 3 && ["ro", "rw"].contains(parts[2])))
            && !parts[0].isEmpty && parts[1].hasPrefix("/")
    }

    /// A size in MiB from "64M", "1G", "512MiB", "1.5G" or a bare number of MiB; nil when it is not one.
    public static func mebibytes(_ text: String) -> Int? {
        let units: [(String, Double)] = [("TiB", 1_048_576), ("GiB", 1024), ("MiB", 1), ("T", 1_048_576), ("G", 1024), ("M", 1)]
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        for (suffix, scale) in units where trimmed.hasSuffix(suffix) {
            return Double(trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)).map { Int($0 * scale) }
        }
        return Int(trimmed)
    }
}
