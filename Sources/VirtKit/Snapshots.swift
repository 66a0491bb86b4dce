import CLibvirt
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

public struct DomainSnapshot: Sendable, Equatable, Codable {
    public let name: String
    public let description: String?
    /// The domain's state when the snapshot was taken ("running", "shutoff", "disk-snapshot", ...).
    public let state: String
    public let created: Date?
    public let parent: String?
    public let isCurrent: Bool
    /// Its memory or a disk is kept in files of its own (overlays) rather than inside the qcow2.
    public let isExternal: Bool
}

/// A snapshot this libvirt cannot revert to or delete (external ones, before libvirt 9.7), said plainly.
public struct ExternalSnapshotError: Error, CustomStringConvertible, Sendable {
    public let domain: String
    public let snapshot: String
    public let operation: String

    public var description: String {
        "cannot \(operation) snapshot '\(snapshot)' of '\(domain)': it is an external snapshot (overlay files), which "
            + "this libvirt (\(Libvirt.libraryVersion)) cannot \(operation); use internal snapshots "
            + "('virtlab vm snapshot create' makes them) or 'virsh blockcommit' to merge an overlay"
    }
}

extension Domain {
    /// Snapshots with every parent before its children (creation times can tie within a second).
    public func snapshots() throws -> [DomainSnapshot] {
        try listAll("list snapshots of '\(name)'",
                    { virDomainListAllSnapshots(pointer, $0, VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL.rawValue) },
                    release: { virDomainSnapshotFree($0) }, snapshot(from:))
    }

    @discardableResult
    public func createSnapshot(name snapshotName: String, description: String? = nil) throws -> DomainSnapshot {
        var xml = "<domainsnapshot><name>\(xmlEscaped(snapshotName))</name>"
        if let description { xml += "<description>\(xmlEscaped(description))</description>" }
        xml += "</domainsnapshot>"
        let snap = try check("snapshot '\(name)' as '\(snapshotName)'", virDomainSnapshotCreateXML(pointer, xml, 0))
        defer { virDomainSnapshotFree(snap) }
        return try snapshot(from: snap)
    }

    public func revert(toSnapshot snapshotName: String) throws {
        let snap = try lookupSnapshot(snapshotName)
        defer { virDomainSnapshotFree(snap) }
        if try snapshot(from: snap).isExternal, Libvirt.versionNumber < 9_007_000 {
            throw ExternalSnapshotError(domain: name, snapshot: snapshotName, operation: "revert to")
        }
        try check("revert '\(name)' to snapshot '\(snapshotName)'", virDomainRevertToSnapshot(snap, 0))
    }

    public func deleteSnapshot(named snapshotName: String) throws {
        let snap = try lookupSnapshot(snapshotName)
        defer { virDomainSnapshotFree(snap) }
        if try snapshot(from: snap).isExternal, Libvirt.versionNumber < 9_007_000 {
            throw ExternalSnapshotError(domain: name, snapshot: snapshotName, operation: "delete")
        }
        try check("delete snapshot '\(snapshotName)' of '\(name)'", virDomainSnapshotDelete(snap, 0))
    }

    private func lookupSnapshot(_ snapshotName: String) throws -> OpaquePointer {
        try check("find snapshot '\(snapshotName)' of '\(name)'",
                  virDomainSnapshotLookupByName(pointer, snapshotName, 0))
    }

    private func snapshot(from snap: OpaquePointer) throws -> DomainSnapshot {
        let snapName = String(cString: virDomainSnapshotGetName(snap))
        let xml = try check("read snapshot '\(snapName)'", takeString(virDomainSnapshotGetXMLDesc(snap, 0)))
        let root = try XMLDocument(xmlString: xml, options: []).rootElement()
        let external = (try? root?.nodes(forXPath: "memory[@snapshot='external'] | disks/disk[@snapshot='external']"))?
            .isEmpty == false
        let created = root?.text("creationTime").flatMap(TimeInterval.init).map { Date(timeIntervalSince1970: $0) }
        return DomainSnapshot(name: snapName, description: root?.text("description"),
                              state: root?.text("state") ?? "unknown", created: created,
                              parent: root?.text("parent/name"), isCurrent: virDomainSnapshotIsCurrent(snap, 0) == 1, isExternal: external)
    }
}
