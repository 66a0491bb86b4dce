/// What the dashboard does on its own, decided here and not by the runtime: each connection's refreshes and
/// its reconnects with back-off, the class board read again from the gradebook, the container engine's pace.
/// `update` consults it after every message and asks for what is due; the runtime only performs.
public struct Schedule: Sendable, Equatable {
    /// How often a lost connection is retried: doubling from `first` up to `limit` seconds.
    public struct Backoff: Sendable, Equatable {
        public var first: Double
        public var limit: Double
        public init(first: Double = 1, limit: Double = 30) { (self.first, self.limit) = (first, limit) }
    }

    /// One connection's turn.
    public struct Link: Sendable, Equatable {
        public var refreshInFlight = false
        public var connectInFlight = false
        public var nextRefreshAt = 0.0
        /// When to try again after a loss; nil while connected or connecting.
        public var reconnectAt: Double?
        /// The wait before the next retry, grown after each loss.
        public var retryIn: Double
    }

    public var backoff: Backoff
    public var links: [String: Link]
    /// A class is open: its board is read every `classReloadSeconds` (grades from other terminals show up).
    public var classOpen = false
    public var classInFlight = false
    public var nextClassReloadAt = 0.0
    /// The engine is sampled at the refresh interval while its pane is shown, else at most this often: enough
    /// for its tab's count (sampling a pane nobody looks at costs as much as a refresh of a hundred VMs).
    public var backgroundEngineSeconds = 5.0
    /// The interval the engine was last paced at; nil before the first pacing.
    public var engineInterval: Double?

    public static let classReloadSeconds = 10.0

    public init(connections: [String], backoff: Backoff = Backoff()) {
        self.backoff = backoff
        // Every connection starts by connecting: its first retry is due at once.
        links = Dictionary(uniqueKeysWithValues: connections.map { ($0, Link(reconnectAt: 0, retryIn: backoff.first)) })
    }

    /// When something is next due, at most a second from `now` (status messages and the reconnect countdown
    /// tick about once a second).
    public func nextWake(after now: Double, connected: (String) -> Bool) -> Double {
        var next = now + 1
        for (uri, link) in links {
            if !link.refreshInFlight && connected(uri) { next = min(next, link.nextRefreshAt) }
            if let reconnectAt = link.reconnectAt, !link.connectInFlight { next = min(next, reconnectAt) }
        }
        if classOpen && !classInFlight { next = min(next, nextClassReloadAt) }
        return max(now, next)
    }
}

/// Every connection refreshed at once (an action was done, an event came, the user asked).
func refreshNow(_ state: inout AppState) -> [Effect] {
    for uri in state.schedule.links.keys { state.schedule.links[uri]?.nextRefreshAt = 0 }
    return []
}

/// What is due now, in connection order, and the engine's pace when it changed.
func dueWork(_ state: inout AppState, focusBefore: Pane) -> [Effect] {
    var effects: [Effect] = []
    let now = state.now
    for uri in state.connections {
        guard var link = state.schedule.links[uri] else { continue }
        if let at = link.reconnectAt, now >= at, !link.connectInFlight {
            link.reconnectAt = nil
            link.connectInFlight = true
            effects.append(.connect(connection: uri))
        }
        if !link.refreshInFlight, now >= link.nextRefreshAt, state.links[uri] == .connected {
            link.refreshInFlight = true
            link.nextRefreshAt = now + state.refreshInterval
            effects.append(.refreshMachines(connection: uri))
        }
        state.schedule.links[uri] = link
    }
    if state.schedule.classOpen, !state.schedule.classInFlight, now >= state.schedule.nextClassReloadAt {
        state.schedule.classInFlight = true
        effects.append(.loadClass)
    }
    let interval = state.engineInterval
    let shown = state.focus == .containers && focusBefore != .containers
    if interval != state.schedule.engineInterval || shown {
        // A longer interval waits for the current turn to end; a shorter one, or the pane shown, samples now.
        let sooner = shown || interval < (state.schedule.engineInterval ?? .infinity)
        state.schedule.engineInterval = interval
        effects.append(.paceEngine(interval: interval, sampleNow: sooner))
    }
    return effects
}

extension AppState {
    /// The engine's interval for the pane in view and the refresh interval now.
    public var engineInterval: Double {
        focus == .containers ? refreshInterval : max(refreshInterval, schedule.backgroundEngineSeconds)
    }
}

/// A connection that failed or went away: said in the header with the time of the next try, which waits
/// twice as long as the one before (up to the limit).
func connectionFailed(_ state: inout AppState, _ uri: String, _ reason: String) {
    guard var link = state.schedule.links[uri] else { return }
    let retryAt = state.now + link.retryIn
    link.retryIn = min(link.retryIn * 2, state.schedule.backoff.limit)
    link.reconnectAt = retryAt
    link.connectInFlight = false
    link.refreshInFlight = false
    state.schedule.links[uri] = link
    state.links[uri] = .lost(message: reason, retryAt: retryAt)
}
