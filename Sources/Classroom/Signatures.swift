import Foundation
import ProcessRunner

/// SSH signatures (`ssh-keygen -Y`), so students sign with the key they already log in with and teachers enrol
/// public keys in an `allowed_signers` file, as git does for signed commits. The namespace keeps a result
/// signature from being passed off as any other kind of signature, and the other way round.
public enum SSHSignature {
    /// What a student signs a result bundle as.
    public static let resultNamespace = "virtlab-result"
    /// What the teacher's key signs a live grade as, when it is stored.
    public static let gradeNamespace = "virtlab-grade"

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Signs `data` with a private key (or a public key whose private half is in the agent). Returns the
    /// armored signature.
    public static func sign(_ data: Data, key: String, namespace: String) throws -> String {
        try withScratch(data) { file in
            let run = ProcessRunner.run(["ssh-keygen", "-q", "-Y", "sign", "-f", key, "-n", namespace, file], timeout: 30)
            guard run.status == 0, let signature = try? String(contentsOfFile: file + ".sig", encoding: .utf8) else {
                throw Failure(description: "cannot sign with \(key): " + lastLine(run.stderr, or: "ssh-keygen failed"))
            }
            return signature
        }
    }

    /// The principals of `allowedSigners` whose key made `signature` (the signature itself is not yet checked).
    public static func principals(of signature: String, allowedSigners: String) -> [String] {
        (try? withScratch(Data(signature.utf8)) { file in
            let run = ProcessRunner.run(["ssh-keygen", "-Y", "find-principals", "-s", file, "-f", allowedSigners],
                                        timeout: 30)
            return run.status == 0 ? run.stdout.split(whereSeparator: \.isNewline).map(String.init) : []
        }) ?? []
    }

    /// Whether `signature` is `principal`'s, over exactly `data`, in `namespace`.
    public static func verify(_ data: Data, signature: String, principal: String, namespace: String,
                              allowedSigners: String) -> Bool {
        (try? withScratch(data) { file in
            try Data(signature.utf8).write(to: URL(fileURLWithPath: file + ".sig"))
            return ProcessRunner.run(["ssh-keygen", "-Y", "verify", "-f", allowedSigners, "-I", principal, "-n", namespace,
                                      "-s", file + ".sig"], timeout: 30, inputFile: file).status == 0
        }) ?? false
    }

    /// Makes an Ed25519 key pair without a passphrase (the teacher's class key), `path` and `path.pub`.
    public static func makeKey(at path: String, comment: String) throws {
        let run = ProcessRunner.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path], timeout: 30)
        guard run.status == 0 else { throw Failure(description: "cannot make a key at \(path): " + lastLine(run.stderr, or: "ssh-keygen failed")) }
    }

    /// A public key line as `allowed_signers` wants it: "TYPE BASE64", nil if the text is not one.
    public static func publicKey(_ line: String) -> String? {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 2, fields[0].hasPrefix("ssh-") || fields[0].hasPrefix("ecdsa-") || fields[0].hasPrefix("sk-"),
              Data(base64Encoded: String(fields[1])) != nil else { return nil }
        return "\(fields[0]) \(fields[1])"
    }

    /// ssh-keygen reads and writes files: a private directory for each call, removed after.
    private static func withScratch<T>(_ data: Data, _ body: (String) throws -> T) throws -> T {
        let directory = NSTemporaryDirectory() + "virtlab-sig-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false,
                                                attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/data"
        try data.write(to: URL(fileURLWithPath: file))
        return try body(file)
    }

    static func lastLine(_ text: String, or fallback: String) -> String {
        text.split(whereSeparator: \.isNewline).last.map(String.init) ?? fallback
    }
}
