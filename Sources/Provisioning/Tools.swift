import Foundation
import HostDoctor
import ProcessRunner
import VirtKit

/// Why making or cloning a VM failed, in one line naming the thing and what to do.
public struct ProvisioningError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The helper programs provisioning uses, found at run time: a missing one is named with its Debian package.
struct Tools: Sendable {
    let runner = SystemCommandRunner()

    static let packages = ["qemu-img": "qemu-utils", "cloud-localds": "cloud-image-utils",
                           "virt-sysprep": "guestfs-tools", "isoinfo": "genisoimage"]

    static func isInstalled(_ program: String) -> Bool { ProcessRunner.find(program) != nil }

    /// Runs `argv`; a missing program or a non-zero exit becomes a ProvisioningError saying what failed.
    @discardableResult
    func run(_ argv: [String], doing what: String, environment: [String: String] = [:]) throws -> String {
        guard let result = runner.run(argv, environment: environment) else {
            let package = Self.packages[argv[0]].map { " (apt install \($0))" } ?? ""
            throw ProvisioningError("cannot \(what): \(argv[0]) is not installed\(package)")
        }
        guard result.status == 0 else {
            let detail = (result.stderr.isEmpty ? result.stdout : result.stderr)
                .split(whereSeparator: \.isNewline).suffix(2).joined(separator: " ")
            throw ProvisioningError("cannot \(what): \(argv[0]) failed (exit \(result.status)): \(detail)")
        }
        return result.stdout
    }
}

/// A new, empty qcow2 disk (for `vm disk attach --size`).
public enum NewDisk {
    public static func create(at path: String, sizeGiB: Int, for vm: String) throws {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw ProvisioningError("\(path) exists already: attach it as an existing image, or remove it first")
        }
        try Tools().run(["qemu-img", "create", "-q", "-f", "qcow2", path, "\(sizeGiB)G"], doing: "make a \(sizeGiB) GiB disk for \(vm)")
    }
}

/// Which accelerator a new VM uses.
public enum Accelerator: String, Sendable, CaseIterable {
    case kvm, tcg

    /// KVM where the CPU shows its virtualization extensions and /dev/kvm is usable, else TCG (emulation: slower,
    /// but it works everywhere, including inside other VMs and containers that hide the extensions).
    public static func best(files: HostFiles = HostFiles()) -> Accelerator {
        let cpuinfo = (try? files.read("/proc/cpuinfo").get()) ?? ""
        let hasExtensions = !CPUVirtualization(cpuinfo: cpuinfo).extensions.isEmpty
        return hasExtensions && KVMDevice.probe(files: files).usable ? .kvm : .tcg
    }

    /// libvirt's domain type for it.
    var domainType: String { self == .kvm ? "kvm" : "qemu" }
}

extension Connection {
    /// What every new VM checks before anything is made: a name libvirt and virtlab accept, not taken; its network
    /// there (libvirt would only say so when the VM starts); none of the files it would make already there.
    func checkNewVM(named name: String, network: String?, files: [String]) throws {
        try CloudLauncher.validate(name: name)
        if (try? domain(named: name)) != nil {
            throw ProvisioningError("a VM named \(name) already exists; pick another name")
        }
        if let network { _ = try self.network(named: network) }
        for path in files where FileManager.default.fileExists(atPath: path) {
            throw ProvisioningError("\(path) already exists (left by an earlier VM?); remove it or pick another name")
        }
    }

    /// The VMs (running or not) whose definition has `path` as a writable disk: a second VM writing the same disk
    /// corrupts it. A CD-ROM or a read-only disk is shared without harm.
    func vmsWriting(_ path: String) -> [String] {
        let wanted = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        return ((try? domains()) ?? []).compactMap { domain in
            guard let xml = try? domain.xml(inactive: true), let details = try? DomainDetails(xml: xml, info: nil) else { return nil }
            let writes = details.disks.contains { disk in
                disk.device == "disk" && !disk.readOnly
                    && disk.source.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path == wanted } == true
            }
            return writes ? domain.name : nil
        }.sorted()
    }

    /// Defines the VM and starts it; one that does not start is undefined again, so no half-made VM stays.
    func defineAndStart(xml: String) throws {
        let domain = try define(xml: xml)
        do {
            try domain.start()
        } catch {
            _ = try? domain.undefine()
            throw error
        }
    }
}

/// Files made so far by a create or clone; on failure they are removed, so nothing half-made is left behind.
final class Leftovers {
    private var paths: [String] = []

    func add(_ path: String) { paths.append(path) }

    func removeAll() {
        for path in paths.reversed() { try? FileManager.default.removeItem(atPath: path) }
        paths.removeAll()
    }

    func keep() { paths.removeAll() }
}

/// A key pair to log into a VM with, made as `ssh-keygen` makes one: PATH (private, mode 600) and PATH.pub.
public enum LoginKeyPair {
    public static func command(at path: String) -> [String] { ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", path] }

    /// Makes the pair and its directory; refuses to replace half of one that is there.
    public static func make(at path: String, comment: String) throws {
        for file in [path, path + ".pub"] where FileManager.default.fileExists(atPath: file) {
            throw ProvisioningError("\(file) already exists without its other half; remove it or give the pair another name")
        }
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
        } catch {
            throw ProvisioningError("cannot make the directory of \(path): \(error.localizedDescription)")
        }
        try Tools().run(command(at: path) + ["-C", comment], doing: "make the key pair \(path)")
    }
}
