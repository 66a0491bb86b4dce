import Foundation

/// Whether /dev/kvm is there and this user can open it read-write (what QEMU needs for KVM).
public struct KVMDevice: Sendable, Equatable, Codable {
    public let path: String
    public let exists: Bool
    public let usable: Bool
    /// Why it cannot be used, when it cannot.
    public let problem: String?

    public static func probe(files: HostFiles = HostFiles()) -> KVMDevice {
        let path = "/dev/kvm"
        guard files.exists(path) else {
            return KVMDevice(path: path, exists: false, usable: false,
                             problem: "no \(path): the kvm module is not loaded or the CPU lacks vmx/svm")
        }
        let fd = open(files.path(path), O_RDWR | O_CLOEXEC)
        guard fd >= 0 else {
            let reason = errno == EACCES || errno == EPERM
                ? "permission denied (join the 'kvm' group)" : String(cString: strerror(errno))
            return KVMDevice(path: path, exists: true, usable: false, problem: "cannot open \(path): \(reason)")
        }
        Foundation.close(fd)
        return KVMDevice(path: path, exists: true, usable: true, problem: nil)
    }
}
