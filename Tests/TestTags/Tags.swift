import Testing

/// What a suite needs besides the test process, so a run can pick its tier: `make test-unit` runs `.pure`.
extension Tag {
    /// Nothing outside the process but files and short-lived programs (the built virtlab, sh, the test driver
    /// `test:///default`): runs anywhere in seconds.
    @Tag public static var pure: Self
    /// A long-lived service: the system libvirtd, the test sshd, or a tmux server of its own.
    @Tag public static var daemon: Self
    /// A booted QEMU guest (TCG here): minutes, and most of a core.
    @Tag public static var guest: Self
    /// The container engine (Podman through the Docker Engine API).
    @Tag public static var engine: Self
    /// The package `make dist` built, installed in a clean Debian root (`.ci/build-package-root`) as root.
    @Tag public static var package: Self
}
