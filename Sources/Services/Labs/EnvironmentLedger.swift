import Foundation

/// What a lab's `up` made for one student, one JSON file, rewritten whole (atomically) after each object is made
/// or removed: the record `down` trusts, checked against each object's UUID or id.
struct EnvironmentLedger: Sendable {
    struct Entry: Codable, Equatable, Sendable {
        var kind: LabEnvironment.Item.Kind
        var name: String
        /// A network's or machine's UUID, a container's id.
        var id: String
        /// A machine's disk (its boot disk, and an appliance's others), cloud-init seed and login key pair (FILE and
        /// FILE.pub), made by `up`.
        var disk: String?
        var moreDisks: [String]?
        var seed: String?
        var keyPair: String?

        /// Every file `up` made for a machine: its disks, its seed, its key pair.
        var files: [String] {
            [disk].compactMap { $0 } + (moreDisks ?? []) + [seed].compactMap { $0 } + (keyPair.map { [$0, $0 + ".pub"] } ?? [])
        }
    }

    let file: String

    static func fileName(lab: String, student: String) -> String {
        func safe(_ text: String) -> String { String(text.map { $0.isLetter || $0.isNumber || "-_.".contains($0) ? $0 : "_" }) }
        return "\(safe(lab))--\(safe(student)).json"
    }

    func entries() -> [Entry] {
        guard let data = FileManager.default.contents(atPath: file) else { return [] }
        return (try? JSONDecoder().decode([Entry].self, from: data)) ?? []
    }

    func record(_ entry: Entry) throws {
        try write(entries().filter { !($0.kind == entry.kind && $0.name == entry.name) } + [entry])
    }

    func forget(_ kind: LabEnvironment.Item.Kind, _ name: String) throws {
        try write(entries().filter { !($0.kind == kind && $0.name == name) })
    }

    func removeIfEmpty() {
        if entries().isEmpty { try? FileManager.default.removeItem(atPath: file) }
    }

    /// A ledger that cannot be written is said at once: what was just made carries the lab's mark, which
    /// `lab down --purge` finds without the ledger.
    private func write(_ entries: [Entry]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try encoder.encode(entries).write(to: URL(fileURLWithPath: file), options: .atomic)
        } catch {
            throw UserFacingError("cannot record the lab's environment in \(file): \(error.localizedDescription) "
                                  + "(what was made carries the lab's mark: 'virtlab lab down LAB --purge' finds it)")
        }
    }
}
