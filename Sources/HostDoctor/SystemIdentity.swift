import Digests
import Foundation

/// The identities LPIC 102.6 asks about: the firmware's system UUID, the D-Bus machine id, SSH host keys.
/// A clone that keeps any of these collides with its original.
public struct SystemIdentity: Sendable, Equatable, Codable {
    public struct Reading: Sendable, Equatable, Codable {
        public let source: String
        public let value: String?
        /// Why there is no value, when there is none.
        public let problem: String?
    }

    public struct HostKey: Sendable, Equatable, Codable {
        public let file: String
        public let type: String
        /// As `ssh-keygen -lf` prints it: "SHA256:" and unpadded base64 of the key blob's digest.
        public let fingerprint: String
        public let comment: String?
    }

    /// /sys/class/dmi/id/product_uuid and `dmidecode -s system-uuid`.
    public let systemUUID: [Reading]
    /// /etc/machine-id and /var/lib/dbus/machine-id.
    public let machineID: [Reading]
    public let hostKeys: [HostKey]
    public let hostKeyDirectory: String

    /// Whether the two machine-id files agree (nil when fewer than two could be read).
    public var machineIDsAgree: Bool? {
        let values = machineID.compactMap(\.value)
        return values.count < 2 ? nil : Set(values).count == 1
    }

    public static func probe(files: HostFiles = HostFiles(), runner: CommandRunning = SystemCommandRunner())
        -> SystemIdentity {
        var uuids = [reading(files, "/sys/class/dmi/id/product_uuid")]
        if let result = runner.run(["dmidecode", "-s", "system-uuid"]) {
            let out = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let firstError = result.stderr.split(separator: "\n").first.map { "dmidecode: \($0)" }
                ?? "dmidecode exited with status \(result.status)"
            uuids.append(result.status == 0 && !out.isEmpty
                ? Reading(source: "dmidecode -s system-uuid", value: out.lowercased(), problem: nil)
                : Reading(source: "dmidecode -s system-uuid", value: nil, problem: firstError))
        } else {
            uuids.append(Reading(source: "dmidecode -s system-uuid", value: nil, problem: "dmidecode is not installed"))
        }
        let ids = ["/etc/machine-id", "/var/lib/dbus/machine-id"].map { reading(files, $0) }
        let keyDirectory = "/etc/ssh"
        let keys = files.list(keyDirectory)
            .filter { $0.hasPrefix("ssh_host_") && $0.hasSuffix(".pub") }
            .compactMap { name -> HostKey? in
                guard case .success(let text) = files.read("\(keyDirectory)/\(name)") else { return nil }
                return hostKey(file: "\(keyDirectory)/\(name)", publicKeyLine: text)
            }
        return SystemIdentity(systemUUID: uuids, machineID: ids, hostKeys: keys, hostKeyDirectory: keyDirectory)
    }

    static func reading(_ files: HostFiles, _ path: String) -> Reading {
        switch files.read(path) {
        case .success(let text):
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            return value.isEmpty
                ? Reading(source: path, value: nil, problem: "\(path) is empty")
                : Reading(source: path, value: value.lowercased(), problem: nil)
        case .failure(let failure):
            return Reading(source: path, value: nil, problem: failure.description)
        }
    }

    /// Parses an OpenSSH public key line ("type base64 comment") and fingerprints it like ssh-keygen.
    public static func hostKey(file: String, publicKeyLine: String) -> HostKey? {
        let fields = publicKeyLine.trimmingCharacters(in: .whitespacesAndNewlines)
            .split(separator: " ", maxSplits: 2).map(String.init)
        guard fields.count >= 2, let blob = Data(base64Encoded: fields[1]) else { return nil }
        let digest = Digests.sha256(blob).base64EncodedString()
        let unpadded = String(digest.prefix { $0 != "=" })
        return HostKey(file: file, type: fields[0], fingerprint: "SHA256:\(unpadded)",
                       comment: fields.count > 2 ? fields[2] : nil)
    }
}
