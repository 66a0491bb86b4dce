import Foundation

/// Why an engine call failed, in words a user can act on.
public struct EngineError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// No socket to talk to.
        case noEngine
        /// Something answers on the socket, but not the Docker Engine API.
        case notAnEngine
        /// The engine's API is older than virtlab needs.
        case tooOld
        /// No such container, image or exec.
        case notFound
        /// The request clashes with the object's state or an existing name.
        case conflict
        case timedOut
        case failed
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
