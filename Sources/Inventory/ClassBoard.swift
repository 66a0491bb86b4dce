import Foundation

/// A class at a glance, for the teacher's dashboard: every student's standing in every lab, as the gradebook
/// has it.
public struct ClassBoard: Sendable, Equatable {
    public struct Student: Sendable, Equatable {
        public let id: String
        public let name: String
        public let host: String

        public init(id: String, name: String, host: String) { (self.id, self.name, self.host) = (id, name, host) }
    }

    public struct Cell: Sendable, Equatable {
        public var earned: Int?
        public var possible: Int?
        /// "live" or "submitted": where the points come from.
        public var from: String?
        /// The last attempt's outcome ("graded", "unreachable", "copied" …), what it said, and when it was.
        public var lastStatus: String?
        public var lastDetail: String?
        public var lastAt: Date?
        public var flags: [String]
        /// The last two live grades are the same and short of full marks: no progress between two checks.
        public var stuck: Bool

        public init(earned: Int? = nil, possible: Int? = nil, from: String? = nil, lastStatus: String? = nil,
                    lastDetail: String? = nil, lastAt: Date? = nil, flags: [String] = [], stuck: Bool = false) {
            (self.earned, self.possible, self.from, self.lastStatus) = (earned, possible, from, lastStatus)
            self.lastDetail = lastDetail
            (self.lastAt, self.flags, self.stuck) = (lastAt, flags, stuck)
        }

        public var fullMarks: Bool { earned != nil && earned == possible }
        /// Short of full marks, flagged, stuck, or the host could not be graded.
        public var needsHelp: Bool { !fullMarks || !flags.isEmpty || stuck }
    }

    public let name: String
    public let students: [Student]
    public let labs: [String]
    public let cells: [String: [String: Cell]]
    /// When the board was read (the clock of the gradebook's times).
    public let readAt: Date

    public init(name: String, students: [Student], labs: [String], cells: [String: [String: Cell]], readAt: Date) {
        (self.name, self.students, self.labs, self.cells, self.readAt) = (name, students, labs, cells, readAt)
    }

    public func cell(_ student: String, _ lab: String) -> Cell { cells[student]?[lab] ?? Cell() }

    public func needsHelp(_ student: String) -> Bool { labs.contains { cell(student, $0).needsHelp } }
}

/// A connection's host, in a word: "pc01" for qemu+ssh://student@pc01/system, "local" for qemu:///system,
/// the file's name for test:///path/room.xml, "local:b" for a daemon of this machine on a socket of its own
/// (qemu:///system?socket=/srv/b/run/libvirt-sock), so that two such daemons are told apart.
public enum ConnectionLabel {
    public static func host(of uri: String) -> String {
        guard let scheme = uri.range(of: "://") else { return uri }
        let rest = uri[scheme.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        if authority.isEmpty {
            if uri.hasPrefix("test:"), let file = rest.split(separator: "/").last, file != "default" {
                return String(file.split(separator: ".").first ?? file)
            }
            if let socket = URLComponents(string: uri)?.queryItems?.first(where: { $0.name == "socket" })?.value,
               let place = socket.split(separator: "/").dropLast().last(where: { !["run", "libvirt"].contains($0) }),
               socket != "/run/libvirt/libvirt-sock" {
                return "local:\(place)"
            }
            return uri.hasPrefix("test:") ? "test" : "local"
        }
        let host = authority.split(separator: "@").last.map(String.init) ?? String(authority)
        return host.split(separator: ":").first.map(String.init) ?? host
    }
}
