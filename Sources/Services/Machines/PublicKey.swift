import Foundation

/// An OpenSSH public key given by its file, for cloud-init to put on a new VM.
public enum PublicKeyFile {
    /// The key file's one line, checked to be an OpenSSH public key (not a private key by mistake).
    public static func line(_ path: String) throws -> String {
        guard let text = try? String(contentsOfFile: (path as NSString).expandingTildeInPath, encoding: .utf8) else {
            throw UserFacingError("cannot read the SSH key file \(path)")
        }
        let line = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let types = ["ssh-ed25519", "ssh-rsa", "ecdsa-sha2-", "sk-ssh-ed25519", "sk-ecdsa-sha2-"]
        guard !line.contains("\n"), types.contains(where: { line.hasPrefix($0) }) else {
            throw UserFacingError("\(path) is not an SSH public key (expected one line like 'ssh-ed25519 AAAA… "
                + "comment'; pass the .pub file, never the private key)")
        }
        return line
    }

    /// The user's own key, as ssh-keygen names it by default, for the dashboard's wizard to offer.
    public static var usersDefault: String? {
        ["id_ed25519.pub", "id_ecdsa.pub", "id_rsa.pub"].map { NSHomeDirectory() + "/.ssh/" + $0 }
            .first { FileManager.default.fileExists(atPath: $0) }
    }
}
