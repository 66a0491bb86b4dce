import Digests
import Foundation
import LabFormat
import Yams

/// A problem with a class file, said as `FILE:LINE: message` (the line where known).
public struct ClassFileError: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let line: Int?
    public let message: String

    public init(_ file: String, line: Int? = nil, _ message: String) {
        (self.file, self.line, self.message) = (file, line, message)
    }

    public var description: String { "\(file)\(line.map { ":\($0)" } ?? ""): \(message)" }
}

/// What a class.yaml that does not say gets: virtlab's own defaults, or the teacher's (their config file's
/// `class_parallelism` and `class_host_timeout`).
public struct ClassDefaults: Sendable, Equatable {
    public var parallelism: Int
    public var hostTimeoutSeconds: Int

    public init(parallelism: Int = 8, hostTimeoutSeconds: Int = 120) {
        (self.parallelism, self.hostTimeoutSeconds) = (parallelism, hostTimeoutSeconds)
    }

    static let userInfoKey = CodingUserInfoKey(rawValue: "virtlab.classDefaults")!
}

/// What `class.yaml` says about a class.
public struct ClassConfig: Codable, Sendable, Equatable {
    public var name: String
    public var labs: [String]
    /// The roster, relative to the class directory: a CSV file, or an Ansible inventory (.ini, .yaml, .yml).
    public var roster: String = "roster.csv"
    /// How many student hosts are reached at once.
    public var parallelism: Int = 8
    /// How long one host may take (connecting and grading) before its row says it timed out.
    public var hostTimeoutSeconds: Int = 120
    /// An ssh config file for the class's hosts (`ssh -F`), relative to the class directory; default: yours.
    public var sshConfig: String?

    public init(name: String, labs: [String]) {
        self.name = name
        self.labs = labs
    }

    enum CodingKeys: String, CodingKey {
        case name, labs, roster, parallelism
        case hostTimeoutSeconds = "host_timeout_seconds"
        case sshConfig = "ssh_config"
    }

    public init(from decoder: Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        name = try values.decode(String.self, forKey: .name)
        labs = try values.decodeIfPresent([String].self, forKey: .labs) ?? []
        roster = try values.decodeIfPresent(String.self, forKey: .roster) ?? "roster.csv"
        let defaults = decoder.userInfo[ClassDefaults.userInfoKey] as? ClassDefaults ?? ClassDefaults()
        parallelism = try values.decodeIfPresent(Int.self, forKey: .parallelism) ?? defaults.parallelism
        hostTimeoutSeconds = try values.decodeIfPresent(Int.self, forKey: .hostTimeoutSeconds) ?? defaults.hostTimeoutSeconds
        sshConfig = try values.decodeIfPresent(String.self, forKey: .sshConfig)
        guard parallelism >= 1, hostTimeoutSeconds >= 1 else {
            throw DecodingError.dataCorrupted(.init(codingPath: [parallelism >= 1 ? CodingKeys.hostTimeoutSeconds
                                                                 : CodingKeys.parallelism],
                                                    debugDescription: "must be 1 or more"))
        }
    }
}

/// A teacher's class on disk: `class.yaml`, the roster, and `.secret` (mode 0600), the key per-student lab
/// parameters are derived with. The secret stays on the teacher's side: students get their own values only.
public struct ClassDirectory: Sendable {
    public let path: String
    /// For what class.yaml leaves out.
    public let defaults: ClassDefaults

    public init(path: String, defaults: ClassDefaults = ClassDefaults()) {
        self.path = (path as NSString).standardizingPath
        self.defaults = defaults
    }

    var configFile: String { path + "/class.yaml" }
    var secretFile: String { path + "/.secret" }
    /// The students' public keys, in ssh-keygen's allowed_signers form: "ID namespaces="virtlab-result" KEY".
    public var allowedSignersFile: String { path + "/allowed_signers" }
    /// The teacher's own key for this class, which signs live grades as they are stored.
    public var teacherKeyFile: String { path + "/.teacher_key" }
    public var gradebookFile: String { path + "/gradebook.sqlite" }

    /// Makes a new class: its directory, `class.yaml`, an empty roster (its header line), and a
    /// fresh secret. An existing class is never overwritten; a failure leaves nothing behind.
    @discardableResult
    public static func create(at path: String, name: String, labs: [String]) throws -> ClassDirectory {
        let directory = ClassDirectory(path: path)
        let files = FileManager.default
        if files.fileExists(atPath: directory.configFile) {
            throw ClassFileError(directory.configFile, "a class already exists here; pick another directory")
        }
        let madeDirectory = !files.fileExists(atPath: directory.path)
        do {
            try files.createDirectory(atPath: directory.path, withIntermediateDirectories: true)
            var config = ClassConfig(name: name, labs: labs)
            config.roster = "roster.csv"
            let yaml = try YAMLEncoder().encode(config)
            try write("# virtlab class: see 'virtlab class --help'\n" + yaml, to: directory.configFile)
            if !files.fileExists(atPath: directory.path + "/roster.csv") {
                try write(Roster.csvHeader + "\n", to: directory.path + "/roster.csv")
            }
            try write(randomHex(bits: 256) + "\n", to: directory.secretFile, mode: 0o600)
            return directory
        } catch {
            if madeDirectory { try? files.removeItem(atPath: directory.path) } else {
                for file in [directory.configFile, directory.secretFile] { try? files.removeItem(atPath: file) }
            }
            if let error = error as? ClassFileError { throw error }
            throw ClassFileError(directory.path, "cannot make the class: \(error.localizedDescription)")
        }
    }

    public func config() throws -> ClassConfig {
        guard let text = try? String(contentsOfFile: configFile, encoding: .utf8) else {
            throw ClassFileError(configFile, "no class here; make one with 'virtlab class init \(path)'")
        }
        do {
            return try YAMLDecoder().decode(ClassConfig.self, from: text, userInfo: [ClassDefaults.userInfoKey: defaults])
        } catch let error as YamlError {
            throw ClassFileError(configFile, "not valid YAML: \(error)".split(separator: "\n").joined(separator: " "))
        } catch let error as DecodingError {
            throw ClassFileError(configFile, describe(error))
        }
    }

    public func roster() throws -> Roster {
        let config = try config()
        let file = config.roster.hasPrefix("/") ? config.roster : path + "/" + config.roster
        return try Roster(file: file)
    }

    /// The ssh config file class.yaml names, as a path; nil: the user's own.
    public func sshConfigFile() throws -> String? {
        try config().sshConfig.map { $0.hasPrefix("/") ? $0 : path + "/" + $0 }
    }

    public func secret() throws -> ClassSecret {
        guard let text = try? String(contentsOfFile: secretFile, encoding: .utf8),
              let secret = ClassSecret(hex: text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw ClassFileError(secretFile, "missing or not 64 hex digits: the class secret cannot be read")
        }
        return secret
    }

    /// The teacher's class key, made on first use (classes made before it existed get one then).
    public func teacherKey() throws -> String {
        if !FileManager.default.fileExists(atPath: teacherKeyFile) {
            try SSHSignature.makeKey(at: teacherKeyFile, comment: "virtlab teacher key of \(path)")
        }
        return teacherKeyFile
    }

    /// Enrols (or re-enrols) a student's public key: their submissions are verified against it.
    public func enrol(student: String, publicKeyLine: String) throws {
        guard let key = SSHSignature.publicKey(publicKeyLine) else {
            throw ClassFileError(allowedSignersFile, "not an SSH public key (expected a line like 'ssh-ed25519 AAAA… comment')")
        }
        let existing = (try? String(contentsOfFile: allowedSignersFile, encoding: .utf8)) ?? ""
        let kept = existing.split(separator: "\n").filter { !$0.hasPrefix(student + " ") }.map(String.init)
        let line = "\(student) namespaces=\"\(SSHSignature.resultNamespace),\(SSHSignature.gradeNamespace)\" \(key)"
        try Self.write((kept + [line]).joined(separator: "\n") + "\n", to: allowedSignersFile)
    }

    /// The teacher's public key, enrolled under "teacher" so stored live grades verify like bundles do.
    public func enrolTeacher() throws {
        let key = try teacherKey()
        let line = try String(contentsOfFile: key + ".pub", encoding: .utf8)
        let existing = (try? String(contentsOfFile: allowedSignersFile, encoding: .utf8)) ?? ""
        if !existing.contains(SSHSignature.publicKey(line) ?? "-") { try enrol(student: Self.teacherPrincipal, publicKeyLine: line) }
    }

    /// The principal the teacher's key is enrolled as; never a student id (ids are checked against it).
    public static let teacherPrincipal = "teacher@virtlab"

    private static func write(_ text: String, to file: String, mode: Int = 0o644) throws {
        let temporary = file + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8),
                                             attributes: [.posixPermissions: mode]) else {
            throw ClassFileError(file, "cannot write it")
        }
        guard rename(temporary, file) == 0 else {
            unlink(temporary)
            throw ClassFileError(file, "cannot write it: \(String(cString: strerror(errno)))")
        }
    }
}

/// The class's key. Per-student parameters come from HMAC-SHA256 of it over the lab and the student, so a
/// student who knows the lab file and their neighbour's id still cannot compute the neighbour's values.
public struct ClassSecret: Sendable {
    let bytes: Data

    public init?(hex: String) {
        guard hex.count == 64, let bytes = Self.bytes(hex) else { return nil }
        self.bytes = bytes
    }

    /// Six hex digits for the lab's `{hash}` parameters (of the student's name as parameters see it).
    public func parameterHash(lab: String, student: String) -> String {
        mac("\(lab)/\(Parameters.sanitize(student))", bytes: 3)
    }

    /// The class's name in releases and bundles: two classes with one name are still told apart, and it says
    /// nothing about the secret.
    public var classID: String { mac("virtlab-class-id", bytes: 8) }

    private func mac(_ text: String, bytes count: Int) -> String {
        hex(Digests.hmacSHA256(Data(text.utf8), key: bytes).prefix(count))
    }

    private static func bytes(_ hex: String) -> Data? {
        var data = Data()
        var iterator = hex.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            guard let byte = UInt8(String([high, low]), radix: 16) else { return nil }
            data.append(byte)
        }
        return data
    }
}
