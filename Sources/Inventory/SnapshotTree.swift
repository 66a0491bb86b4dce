import Foundation

/// One snapshot of a VM, as the tree shows it.
public struct SnapshotNode: Sendable, Equatable, Codable {
    public let name: String
    public let parent: String?
    public let isCurrent: Bool
    /// External: the snapshot is files beside the disks (overlays), not state inside the qcow2 itself.
    public let isExternal: Bool
    /// The VM's state when it was taken: "running", "shutoff", "disk-snapshot".
    public let state: String
    public let created: Date?
    public let description: String?

    public init(name: String, parent: String?, isCurrent: Bool, isExternal: Bool, state: String, created: Date?,
                description: String?) {
        self.name = name
        self.parent = parent
        self.isCurrent = isCurrent
        self.isExternal = isExternal
        self.state = state
        self.created = created
        self.description = description
    }

    /// What deleting it does to the rest of the tree, for the confirmation.
    public func deletionEffect(in tree: [SnapshotNode]) -> String {
        let children = tree.filter { $0.parent == name }.map(\.name)
        guard !children.isEmpty else { return "It has no children." }
        let to = parent.map { "'\($0)'" } ?? "nothing (they become roots)"
        return "Its children \(children.map { "'\($0)'" }.joined(separator: ", ")) are kept and hang from \(to)."
    }
}

/// Snapshots drawn as a tree, parents before children, siblings oldest first (as `virsh snapshot-list --tree`).
public enum SnapshotTree {
    public struct Row: Sendable, Equatable {
        public let node: SnapshotNode
        /// "├─ ", "│  └─ ": the branches in front of the name.
        public let prefix: String
    }

    public static func rows(_ nodes: [SnapshotNode], ascii: Bool = false) -> [Row] {
        let names = Set(nodes.map(\.name))
        let children = Dictionary(grouping: nodes) { node in node.parent.flatMap { names.contains($0) ? $0 : nil } ?? "" }
        let (tee, elbow, pipe) = ascii ? ("|- ", "`- ", "|  ") : ("├─ ", "└─ ", "│  ")
        var rows: [Row] = []
        func walk(_ parent: String, _ indent: String, root: Bool) {
            let kids = (children[parent] ?? []).sorted { ($0.created ?? .distantPast, $0.name) < ($1.created ?? .distantPast, $1.name) }
            for (index, node) in kids.enumerated() {
                let last = index == kids.count - 1
                rows.append(Row(node: node, prefix: root ? "" : indent + (last ? elbow : tee)))
                walk(node.name, root ? "" : indent + (last ? "   " : pipe), root: false)
            }
        }
        walk("", "", root: true)
        return rows
    }
}
