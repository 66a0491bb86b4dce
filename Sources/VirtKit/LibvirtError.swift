import CLibvirt
import Foundation

/// A libvirt failure, captured on the thread that made the call (libvirt errors are thread-local).
public struct LibvirtError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What virtlab was doing, e.g. "start 'web1'".
    public let operation: String
    /// libvirt's `virErrorNumber`.
    public let code: Int32
    /// libvirt's `virErrorDomain` (which subsystem raised it).
    public let domain: Int32
    /// libvirt's own message.
    public let message: String

    public init(operation: String, code: Int32, domain: Int32, message: String) {
        self.operation = operation
        self.code = code
        self.domain = domain
        self.message = message
    }

    /// Reads and clears the calling thread's last libvirt error. Call it right after the failing C call.
    static func last(_ operation: String) -> LibvirtError {
        guard let err = virGetLastError() else {
            return LibvirtError(operation: operation, code: -1, domain: 0, message: "libvirt reported no details")
        }
        let message = err.pointee.message.map { String(cString: $0) } ?? "unknown libvirt error"
        let error = LibvirtError(operation: operation, code: err.pointee.code, domain: err.pointee.domain,
                                 message: message)
        virResetLastError()
        return error
    }

    public var kind: Kind {
        switch code {
        case Int32(VIR_ERR_NO_DOMAIN.rawValue): return .noSuchDomain
        case Int32(VIR_ERR_NO_DOMAIN_SNAPSHOT.rawValue): return .noSuchSnapshot
        case Int32(VIR_ERR_NO_STORAGE_POOL.rawValue), Int32(VIR_ERR_NO_STORAGE_VOL.rawValue),
             Int32(VIR_ERR_NO_NETWORK.rawValue): return .noSuchObject
        case Int32(VIR_ERR_OPERATION_INVALID.rawValue): return .invalidInCurrentState
        case Int32(VIR_ERR_OPERATION_DENIED.rawValue), Int32(VIR_ERR_AUTH_FAILED.rawValue),
             Int32(VIR_ERR_ACCESS_DENIED.rawValue): return .denied
        case Int32(VIR_ERR_NO_CONNECT.rawValue), Int32(VIR_ERR_INVALID_CONN.rawValue): return .cannotConnect
        case Int32(VIR_ERR_SYSTEM_ERROR.rawValue), Int32(VIR_ERR_RPC.rawValue):
            return domain == Int32(VIR_FROM_RPC.rawValue) || domain == Int32(VIR_FROM_REMOTE.rawValue)
                ? .cannotConnect : .other
        case Int32(VIR_ERR_XML_ERROR.rawValue), Int32(VIR_ERR_XML_DETAIL.rawValue),
             Int32(VIR_ERR_CONFIG_UNSUPPORTED.rawValue): return .invalidDefinition
        case Int32(VIR_ERR_OPERATION_FAILED.rawValue) where message.contains("already exists"):
            return .alreadyExists
        case Int32(VIR_ERR_DOM_EXIST.rawValue): return .alreadyExists
        case Int32(VIR_ERR_NO_SUPPORT.rawValue), Int32(VIR_ERR_OPERATION_UNSUPPORTED.rawValue):
            return .unsupported
        default: return .other
        }
    }

    /// Coarse categories the UI and CLI use to say what to do next.
    public enum Kind: Sendable, Equatable {
        case noSuchDomain, noSuchSnapshot, noSuchObject, invalidInCurrentState, denied, cannotConnect
        case invalidDefinition, alreadyExists, unsupported, other
    }

    public var description: String { "\(operation): \(message)" }
}

/// Runs a libvirt call returning an int status (-1 on failure) and throws its error.
@discardableResult
func check(_ operation: @autoclosure () -> String, _ status: Int32) throws -> Int32 {
    guard status >= 0 else { throw LibvirtError.last(operation()) }
    return status
}

/// Unwraps a libvirt call returning a pointer (NULL on failure) and throws its error.
func check<T>(_ operation: @autoclosure () -> String, _ pointer: T?) throws -> T {
    guard let pointer else { throw LibvirtError.last(operation()) }
    return pointer
}

/// Takes ownership of a malloc'd C string from libvirt.
func takeString(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
    guard let pointer else { return nil }
    defer { free(pointer) }
    return String(cString: pointer)
}

/// Runs a libvirt "list all" call, turns each returned object into a value, and frees what libvirt handed
/// over: every object (also those after a failed conversion) and the array. `release` nil means
/// `transform` takes ownership of the object. One removed between the listing and its reading is left out.
func listAll<T>(_ operation: @autoclosure () -> String,
                _ call: (UnsafeMutablePointer<UnsafeMutablePointer<OpaquePointer?>?>) -> Int32,
                release: ((OpaquePointer) -> Void)?,
                _ transform: (OpaquePointer) throws -> T) throws -> [T] {
    var list: UnsafeMutablePointer<OpaquePointer?>?
    let count = try check(operation(), call(&list))
    defer { free(list) }
    var result: [T] = []
    var failure: Error?
    for index in 0..<Int(count) {
        guard let object = list?[index] else { continue }
        defer { release?(object) }
        guard failure == nil else { continue }
        do {
            result.append(try transform(object))
        } catch let error as LibvirtError where error.kind == .noSuchDomain || error.kind == .noSuchObject {
            // Removed between the listing and its reading (another client's undefine): it is simply gone.
        } catch {
            failure = error
        }
    }
    if let failure { throw failure }
    return result
}
