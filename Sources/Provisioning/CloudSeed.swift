import Foundation

/// A cloud-init NoCloud seed: `meta-data` (instance id, host name) and `user-data`, packed as an ISO labelled
/// `cidata` with cloud-localds.
public struct CloudSeed: Sendable, Equatable {
    public var instanceID: String
    public var hostname: String
    public var userData: String

    public init(instanceID: String = "iid-\(UUID().uuidString.lowercased())", hostname: String, userData: String) {
        self.instanceID = instanceID
        self.hostname = hostname
        self.userData = userData
    }

    public var metaData: String {
        "instance-id: \(Self.quoted(instanceID))\nlocal-hostname: \(Self.quoted(hostname))\n"
    }

    /// The default user-data: a sudo user with the SSH key, and the guest agent started (images that have it get
    /// it running; no package is installed, so it works offline). The host name comes from meta-data's
    /// local-hostname, so a clone's new seed renames it without touching this.
    /// `packages` are installed and `commands` run (each through `sh -c`) at the first boot, after the agent is started.
    public static func userData(user: String, sshKey: String?, packages: [String] = [], commands: [String] = []) -> String {
        var lines = ["#cloud-config", "users:", "  - name: \(quoted(user))",
                     "    groups: [sudo]", "    shell: /bin/bash", "    sudo: \"ALL=(ALL) NOPASSWD:ALL\""]
        if let sshKey { lines += ["    ssh_authorized_keys:", "      - \(quoted(sshKey))"] }
        if !packages.isEmpty { lines += ["packages:"] + packages.map { "  - \(quoted($0))" } }
        lines += ["runcmd:", "  - [sh, -c, \"systemctl enable --now qemu-guest-agent || true\"]"]
        lines += commands.map { "  - [sh, -c, \(quoted($0))]" }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A YAML scalar that stays one string whatever it contains (JSON strings are YAML).
    static func quoted(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes  // "/root/x" reads as typed
        return String(decoding: (try? encoder.encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
    }

    /// Writes the seed ISO at `path` (replacing nothing: the caller picks a fresh path).
    func write(to path: String, tools: Tools) throws {
        let scratch = NSTemporaryDirectory() + "virtlab-seed-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try userData.write(toFile: scratch + "/user-data", atomically: true, encoding: .utf8)
        try metaData.write(toFile: scratch + "/meta-data", atomically: true, encoding: .utf8)
        try tools.run(["cloud-localds", path, scratch + "/user-data", scratch + "/meta-data"],
                      doing: "make the cloud-init seed")
    }

    /// Reads a file back out of a seed ISO (for checks and for clones), or nil.
    public static func read(_ file: String, fromISO iso: String) -> String? {
        guard let result = Tools().runner.run(["isoinfo", "-i", iso, "-R", "-x", "/\(file)"]), result.status == 0
        else { return nil }
        return result.stdout
    }
}
