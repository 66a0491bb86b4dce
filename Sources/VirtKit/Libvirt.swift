import CLibvirt
import Foundation

/// Process-wide libvirt set-up: silences libvirt's default stderr printing (it would corrupt a curses
/// screen) and runs libvirt's default event loop on a thread of its own, so that lifecycle events and
/// keepalives are delivered without the caller polling. It also ignores SIGPIPE: libvirt's client writes
/// to its daemon socket with write(2), so a keepalive or call sent just as the daemon goes away (a restart,
/// a lost host) would kill the whole process instead of failing the call with a connection error.
public enum Libvirt {
    private static let setUp: Void = {
        signal(SIGPIPE, SIG_IGN)
        virInitialize()
        virSetErrorFunc(nil) { _, _ in }
        _ = virEventRegisterDefaultImpl()
        let thread = Thread {
            while true {
                if virEventRunDefaultImpl() < 0 { Thread.sleep(forTimeInterval: 0.1) }
            }
        }
        thread.name = "libvirt-events"
        thread.start()
    }()

    /// Idempotent; every entry point into VirtKit calls it.
    public static func initialize() { _ = setUp }

    /// The version of the libvirt library this process loaded, e.g. "9.0.0".
    public static var libraryVersion: String {
        versionNumber == 0 ? "unknown" : formatVersion(versionNumber)
    }

    /// The same as one number, major * 1,000,000 + minor * 1,000 + release; 0 when unknown.
    public static var versionNumber: UInt {
        initialize()
        var version: UInt = 0
        return virGetVersion(&version, nil, nil) == 0 ? version : 0
    }

    static func formatVersion(_ version: UInt) -> String {
        "\(version / 1_000_000).\((version / 1000) % 1000).\(version % 1000)"
    }
}
