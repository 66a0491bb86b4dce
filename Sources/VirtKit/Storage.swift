import CLibvirt
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

public struct StoragePool: Sendable, Equatable, Codable {
    public let name: String
    public let uuid: String
    public let active: Bool
    public let type: String
    /// The directory or device the pool lives in.
    public let path: String?
    public let capacityBytes: UInt64
    public let allocationBytes: UInt64
    public let availableBytes: UInt64
}

public struct StorageVolume: Sendable, Equatable, Codable {
    public let pool: String
    public let name: String
    public let path: String
    /// As libvirt records it: "qcow2", "raw", "iso", ...
    public let format: String?
    public let capacityBytes: UInt64
    public let allocationBytes: UInt64
    public let backingStore: String?
}

extension Connection {
    public func storagePools() throws -> [StoragePool] {
        let conn = try handle("list storage pools")
        return try listAll("list storage pools", { virConnectListAllStoragePools(conn, $0, 0) },
                           release: { virStoragePoolFree($0) }, Self.describe(pool:))
    }

    /// Volumes of one pool; an inactive pool has none to list.
    public func volumes(inPool poolName: String) throws -> [StorageVolume] {
        let conn = try handle("find storage pool '\(poolName)'")
        let pool = try check("find storage pool '\(poolName)'", virStoragePoolLookupByName(conn, poolName))
        defer { virStoragePoolFree(pool) }
        guard virStoragePoolIsActive(pool) == 1 else { return [] }
        return try listAll("list volumes of '\(poolName)'", { virStoragePoolListAllVolumes(pool, $0, 0) },
                           release: { virStorageVolFree($0) }) { volume in
            let name = String(cString: virStorageVolGetName(volume))
            var info = virStorageVolInfo()
            try check("read volume '\(name)'", virStorageVolGetInfo(volume, &info))
            let xml = try check("read volume '\(name)'", takeString(virStorageVolGetXMLDesc(volume, 0)))
            let root = try XMLDocument(xmlString: xml, options: []).rootElement()
            return StorageVolume(pool: poolName, name: name,
                                 path: takeString(virStorageVolGetPath(volume)) ?? "",
                                 format: root?.first("target/format")?.attribute("type"),
                                 capacityBytes: info.capacity, allocationBytes: info.allocation,
                                 backingStore: root?.text("backingStore/path"))
        }
    }

    static func describe(pool: OpaquePointer) throws -> StoragePool {
        let name = String(cString: virStoragePoolGetName(pool))
        var info = virStoragePoolInfo()
        try check("read storage pool '\(name)'", virStoragePoolGetInfo(pool, &info))
        let xml = try check("read storage pool '\(name)'", takeString(virStoragePoolGetXMLDesc(pool, 0)))
        let root = try XMLDocument(xmlString: xml, options: []).rootElement()
        return StoragePool(name: name, uuid: root?.text("uuid") ?? "", active: virStoragePoolIsActive(pool) == 1,
                           type: root?.attribute("type") ?? "unknown", path: root?.text("target/path"),
                           capacityBytes: info.capacity, allocationBytes: info.allocation,
                           availableBytes: info.available)
    }
}
