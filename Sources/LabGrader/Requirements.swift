import BlockingWork
import ContainerKit
import Foundation
import LabFormat
import ProcessRunner
import ImageKit
import VirtKit

/// Whether this machine offers what a lab declares it needs; each unmet requirement says what to do.
public enum Requirements {
    public static func unmet(_ lab: Lab, libvirtURI: String,
                             environment: [String: String] = ProcessInfo.processInfo.environment) async -> [String] {
        var unmet: [String] = []
        for requirement in lab.requirements {
            if let problem = await problem(requirement, libvirtURI, environment) { unmet.append(problem) }
        }
        return unmet
    }

    static func problem(_ requirement: Requirement, _ uri: String, _ environment: [String: String]) async -> String? {
        switch requirement {
        case .containerEngine:
            do { _ = try await EngineClient.connect(environment: environment) } catch { return "container-engine: \(error)" }
            return nil
        default:
            return await BlockingPool.run { hostProblem(requirement, uri, environment) }
        }
    }

    /// The requirements this host answers itself (libvirt's connect blocks: it runs on the blocking pool).
    private static func hostProblem(_ requirement: Requirement, _ uri: String, _ environment: [String: String]) -> String? {
        switch requirement {
        case .libvirt:
            return (try? Connection(uri: uri, readOnly: true)) == nil
                ? "libvirt: cannot connect to \(uri); start libvirtd (virtlab doctor says more)" : nil
        case .libvirtQEMU, .guestAgent:
            guard uri.hasPrefix("qemu") else {
                return "\(requirement.rawValue): the lab needs QEMU guests, but the connection is \(uri); use --uri qemu:///system"
            }
            let writable = requirement == .guestAgent
            return (try? Connection(uri: uri, readOnly: !writable)) == nil
                ? "\(requirement.rawValue): cannot connect to \(uri)\(writable ? " read-write" : ""); start libvirtd "
                  + "and run as a user allowed to manage VMs" : nil
        case .containerEngine:
            return nil
        case .cloudImage:
            return CloudImage.path(environment) == nil
                ? "cloud-image: no cloud image; import one with 'virtlab image import FILE.qcow2' or set VIRTLAB_CLOUD_IMAGE"
                : nil
        case .root:
            return geteuid() == 0 ? nil : "root: the lab changes system files; run it as root (sudo)"
        case .secondHost:
            guard let second = environment["VIRTLAB_SECOND_HOST"], !second.isEmpty else {
                return "second-host: the lab moves a VM to a second libvirt host; set VIRTLAB_SECOND_HOST to its URI "
                    + "(e.g. qemu+ssh://root@host2/system)"
            }
            guard let there = try? Connection(uri: second, readOnly: false) else {
                return "second-host: cannot connect to \(second) (VIRTLAB_SECOND_HOST) read-write; start libvirtd there, "
                    + "and for qemu+ssh let root's key log in"
            }
            let here = try? Connection(uri: uri, readOnly: true)
            if let hereUUID = try? here?.hostUUID(), let thereUUID = try? there.hostUUID(), hereUUID == thereUUID {
                return "second-host: \(second) (VIRTLAB_SECOND_HOST) is this lab's own host (\(uri)); name another host"
            }
            return nil
        case .virtualNetworks:
            let missing = [("dnsmasq", "dnsmasq-base"), ("iptables", "iptables")].filter { ProcessRunner.find($0.0) == nil }
            return missing.isEmpty ? nil : "virtual-networks: libvirt needs \(missing.map(\.0).joined(separator: " and ")) "
                + "to start networks with DHCP and NAT; install \(missing.map(\.1).joined(separator: " ")) (Debian's packages)"
        }
    }
}

/// The cloud image labs boot, as `{{cloud_image}}`: VIRTLAB_CLOUD_IMAGE, else the image library's first
/// qcow2 that stands alone (an overlay is somebody's VM disk, not a base).
public enum CloudImage {
    public static func path(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let chosen = environment["VIRTLAB_CLOUD_IMAGE"], !chosen.isEmpty { return chosen }
        return ImageLibrary(directory: ImageLibrary.defaultDirectory(environment: environment)).images()
            .first { $0.format == "qcow2" && $0.backingFile == nil }?.path
    }
}
