import CLibvirt

/// A domain lifecycle change, as libvirt's event loop reports it.
public struct DomainEvent: Sendable, Equatable {
    public let domainName: String
    public let domainUUID: String
    public let kind: Kind
    /// libvirt's detail code for the kind (e.g. for `.stopped`: shutdown, destroyed, crashed, ...).
    public let detail: Int32

    public init(domainName: String, domainUUID: String, kind: Kind, detail: Int32) {
        self.domainName = domainName
        self.domainUUID = domainUUID
        self.kind = kind
        self.detail = detail
    }

    /// `virDomainEventType`.
    public enum Kind: Int32, Sendable {
        case defined = 0, undefined, started, suspended, resumed, stopped, shutdown, pmSuspended, crashed
        case unknown = -1
    }
}

/// Carries events from libvirt's C callback into an AsyncStream. Retained by libvirt until it calls `free`.
private final class LifecycleSink: @unchecked Sendable {
    let continuation: AsyncStream<DomainEvent>.Continuation
    let uuids: UUIDCache
    init(_ continuation: AsyncStream<DomainEvent>.Continuation, uuids: UUIDCache) {
        self.continuation = continuation
        self.uuids = uuids
    }
}

private typealias LifecycleCallback = @convention(c) (
    OpaquePointer?, OpaquePointer?, Int32, Int32, UnsafeMutableRawPointer?
) -> Int32

private let lifecycleCallback: LifecycleCallback = { _, domain, event, detail, opaque in
    guard let domain, let opaque else { return 0 }
    let sink = Unmanaged<LifecycleSink>.fromOpaque(opaque).takeUnretainedValue()
    let name = String(cString: virDomainGetName(domain))
    let kind = DomainEvent.Kind(rawValue: event) ?? .unknown
    // A name defined anew may come back with another UUID.
    if kind == .defined || kind == .undefined { sink.uuids.invalidate() }
    sink.continuation.yield(DomainEvent(domainName: name, domainUUID: uuidString(of: domain), kind: kind, detail: detail))
    return 0
}

private let releaseSink: virFreeCallback = { opaque in
    guard let opaque else { return }
    let sink = Unmanaged<LifecycleSink>.fromOpaque(opaque).takeRetainedValue()
    sink.continuation.finish()
}

extension Connection {
    /// Lifecycle events for every domain on this connection, until the stream's consumer stops.
    public func lifecycleEvents() throws -> AsyncStream<DomainEvent> {
        let conn = try handle("subscribe to domain events")
        let (stream, continuation) = AsyncStream<DomainEvent>.makeStream(bufferingPolicy: .bufferingNewest(1024))
        let opaque = Unmanaged.passRetained(LifecycleSink(continuation, uuids: uuidCache)).toOpaque()
        // VIR_DOMAIN_EVENT_CALLBACK is a cast macro: the generic callback type stands for every event's own.
        let callback = unsafeBitCast(lifecycleCallback, to: virConnectDomainEventGenericCallback.self)
        let callbackID = virConnectDomainEventRegisterAny(
            conn, nil, Int32(VIR_DOMAIN_EVENT_ID_LIFECYCLE.rawValue), callback, opaque, releaseSink)
        guard callbackID >= 0 else {
            Unmanaged<LifecycleSink>.fromOpaque(opaque).release()
            throw LibvirtError.last("subscribe to domain events on \(uri)")
        }
        continuation.onTermination = { [self] _ in
            if let conn = try? handle("unsubscribe") { virConnectDomainEventDeregisterAny(conn, callbackID) }
        }
        return stream
    }
}
