import CLibvirt
import Foundation

/// What the QEMU guest agent says about the system inside a VM (`virsh guestinfo`), plus each interface's
/// addresses (`virsh domifaddr --source agent`).
public struct GuestInfo: Sendable, Equatable, Codable {
    public struct User: Sendable, Equatable, Codable {
        public var name: String
        public var loginTime: Date?
    }

    public struct FileSystem: Sendable, Equatable, Codable {
        public var mountpoint: String
        public var device: String
        public var type: String
        public var totalBytes: UInt64?
        public var usedBytes: UInt64?
    }

    public struct Interface: Sendable, Equatable, Codable {
        public var name: String
        public var mac: String?
        /// "10.0.2.15/24", "fe80::…/64".
        public var addresses: [String]
    }

    public var osName: String?
    public var osVersion: String?
    public var kernel: String?
    public var hostname: String?
    public var timezone: String?
    public var users: [User] = []
    public var fileSystems: [FileSystem] = []
    public var interfaces: [Interface] = []

    /// "Debian GNU/Linux 12 (bookworm)": the pretty name, with the version only where the name lacks it.
    public var osDescription: String? {
        guard let osName else { return osVersion }
        guard let osVersion, !osName.contains(osVersion) else { return osName }
        return "\(osName) \(osVersion)"
    }

    /// Parses libvirt's flat `user.0.name`-style keys.
    init(_ values: [String: TypedValue]) {
        osName = values["os.pretty-name"]?.text ?? values["os.name"]?.text
        osVersion = values["os.version"]?.text
        kernel = values["os.kernel-release"]?.text
        hostname = values["hostname"]?.text
        timezone = values["timezone.name"]?.text
        let count = { (prefix: String) in Int(values["\(prefix).count"]?.number ?? 0) }
        users = (0..<count("user")).compactMap { index in
            guard let name = values["user.\(index).name"]?.text else { return nil }
            let login = values["user.\(index).login-time"]?.number.map { Date(timeIntervalSince1970: Double($0) / 1000) }
            return User(name: name, loginTime: login)
        }
        fileSystems = (0..<count("fs")).compactMap { index in
            let key = { (field: String) in values["fs.\(index).\(field)"] }
            guard let mountpoint = key("mountpoint")?.text else { return nil }
            return FileSystem(mountpoint: mountpoint, device: key("name")?.text ?? "", type: key("fstype")?.text ?? "",
                              totalBytes: key("total-bytes")?.number, usedBytes: key("used-bytes")?.number)
        }
        interfaces = (0..<count("if")).compactMap { index in
            let key = { (field: String) in values["if.\(index).\(field)"] }
            guard let name = key("name")?.text else { return nil }
            let addresses = (0..<Int(key("addr.count")?.number ?? 0)).compactMap { a -> String? in
                guard let address = key("addr.\(a).addr")?.text else { return nil }
                return key("addr.\(a).prefix")?.number.map { "\(address)/\($0)" } ?? address
            }
            return Interface(name: name, mac: key("hwaddr")?.text, addresses: addresses)
        }
    }

    /// One typed parameter's value.
    enum TypedValue: Equatable {
        case text(String)
        case number(UInt64)

        var text: String? { if case .text(let value) = self { value } else { nil } }
        var number: UInt64? {
            switch self {
            case .number(let value): value
            case .text(let value): UInt64(value)
            }
        }
    }
}

extension Domain {
    /// The guest agent's view of the guest. Throws when no agent answers (not installed, not started, or the
    /// VM lacks the org.qemu.guest_agent.0 channel); `timeoutSeconds` bounds a hung agent.
    public func guestInfo(timeoutSeconds: Int32 = 5) throws -> GuestInfo {
        _ = virDomainAgentSetResponseTimeout(pointer, timeoutSeconds, 0)
        var params: UnsafeMutablePointer<virTypedParameter>?
        var count: Int32 = 0
        let types = VIR_DOMAIN_GUEST_INFO_USERS.rawValue | VIR_DOMAIN_GUEST_INFO_OS.rawValue
            | VIR_DOMAIN_GUEST_INFO_TIMEZONE.rawValue | VIR_DOMAIN_GUEST_INFO_HOSTNAME.rawValue
            | VIR_DOMAIN_GUEST_INFO_FILESYSTEM.rawValue | VIR_DOMAIN_GUEST_INFO_INTERFACES.rawValue
        try check("ask the guest agent of '\(name)'", virDomainGetGuestInfo(pointer, types, &params, &count, 0))
        defer { virTypedParamsFree(params, count) }
        var values: [String: GuestInfo.TypedValue] = [:]
        for param in UnsafeBufferPointer(start: params, count: Int(count)) {
            values[fieldName(param.field)] = param.string.map(GuestInfo.TypedValue.text) ?? .number(param.integer)
        }
        return GuestInfo(values)
    }
}
