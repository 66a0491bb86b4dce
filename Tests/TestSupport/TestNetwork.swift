import Foundation

/// The network namespace `make test` runs the suite in (made by .ci/start-services, libvirtd inside it): tests that
/// connect to a guest's address call `requireInside()` first, so a run outside it never sends a packet beyond
/// loopback (a guest's address would otherwise be looked up in the host's routes).
public enum TestNetwork {
    public static let namespace = "virtlab-test"

    public static func requireInside() throws {
        var mine = stat(), theirs = stat()
        guard stat("/proc/self/ns/net", &mine) == 0, stat("/run/netns/\(namespace)", &theirs) == 0,
              mine.st_ino == theirs.st_ino, mine.st_dev == theirs.st_dev else {
            throw QEMUTestGuest.Unavailable(description: "LOUD: this test reaches guests' addresses and runs only "
                + "inside network namespace \(namespace): run it through 'make test' (or .ci/in-test-netns swift test …)")
        }
    }
}
