import OSInfo

public typealias OperatingSystem = OSInfo.OperatingSystem
public typealias OSCatalog = OSInfo.OSCatalog
public typealias ISONames = OSInfo.ISONames

extension OSCatalog {
    /// The system's osinfo-db, or a one-line error saying which package brings it.
    public static func installed() throws -> OSCatalog {
        do { return try load() } catch let missing as Missing { throw UserFacingError(missing.description) }
    }
}
