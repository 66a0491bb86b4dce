import VirtKit

public typealias StoragePool = VirtKit.StoragePool
public typealias StorageVolume = VirtKit.StorageVolume

/// Storage pools and their volumes: `virtlab pool ls`.
extension Hypervisor {
    public struct PoolWithVolumes: Encodable, Sendable {
        public let pool: StoragePool
        public let volumes: [StorageVolume]
    }

    public func pools() throws -> [PoolWithVolumes] {
        try connection.storagePools().map { PoolWithVolumes(pool: $0, volumes: try connection.volumes(inPool: $0.name)) }
    }
}
