// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "virtlab",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "virtlab", targets: ["virtlab"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // C libraries, seen by Swift only through these modules.
        .systemLibrary(name: "CLibvirt", pkgConfig: "libvirt", providers: [.apt(["libvirt-dev"])]),
        .systemLibrary(name: "CLibvirtQEMU", pkgConfig: "libvirt-qemu", providers: [.apt(["libvirt-dev"])]),
        // No pkg-config: ncursesw's only adds -D flags SwiftPM drops with a warning (shim.h sets what is needed),
        // and its headers and library are on the default paths (libncurses-dev).
        .systemLibrary(name: "CNcurses"),
        // libxml2's XPath engine, for XPath expressions (count(), boolean()) Foundation cannot evaluate.
        .systemLibrary(name: "CLibxml2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        // The system's libcrypto (OpenSSL 3) for SHA-256 and HMAC: no BoringSSL copy to compile.
        .systemLibrary(name: "CLibcrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // zlib's inflate and deflate, for the PNG a guest's screenshot comes as.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "CShims", dependencies: ["CNcurses"]),
        // What Swift cannot reach from glibc or the processor: close-on-exec pipes, closing a child's descriptors
        // (both need _GNU_SOURCE), the CPUID hypervisor leaf.
        .target(name: "CHostSystem"),

        // libvirt in Swift: connections, domains, stats, events, storage, networks. No UI, no printing.
        .target(name: "VirtKit", dependencies: ["CLibvirt", "CLibvirtQEMU", "CHostSystem"]),
        // The one way a program is run on this host: posix_spawn, argv only, timeout, output cap.
        .target(name: "ProcessRunner", dependencies: ["CHostSystem"]),
        // Threads of virtlab's own for blocking work: a lane per connection (also an actor's executor) and one
        // bounded pool, so nothing blocks Swift's cooperative pool.
        .target(name: "BlockingWork"),
        // The shipped labs and themes, embedded at build time by the EmbedFiles plugin (embed-files).
        .target(name: "BuiltIn", plugins: ["EmbedFiles"]),
        .executableTarget(name: "embed-files"),
        .plugin(name: "EmbedFiles", capability: .buildTool(), dependencies: ["embed-files"]),
        // SHA-256, HMAC-SHA256 and fresh random bytes, from libcrypto.
        .target(name: "Digests", dependencies: ["CLibcrypto"]),
        // Facts about the host: CPU extensions, /dev/kvm, what we run on, identities. No libvirt.
        .target(name: "HostDoctor", dependencies: ["ProcessRunner", "CHostSystem", "Digests"]),
        // The Docker Engine API (Docker or Podman) over a Unix socket: containers, stats, exec, logs, images.
        .target(name: "ContainerKit", dependencies: ["HostDoctor", "BlockingWork"]),
        // Makes VMs from images: copy-on-write overlays, cloud-init seeds, clones with an identity of their own.
        .target(name: "Provisioning", dependencies: ["VirtKit", "ImageKit", "HostDoctor", "ProcessRunner", "Inventory"]),
        // Human-readable units and plain tables, shared by the CLI and the full-screen UI.
        .target(name: "Humanize"),
        // The domain layer: machines, containers, images, host, events, keyed by connection; rates. No C, no I/O.
        .target(name: "Inventory"),
        // libvirt and the container engine mapped into the Inventory's types.
        .target(name: "Providers", dependencies: ["Inventory", "VirtKit", "ContainerKit", "ImageKit"]),
        // Lab files: the model, the schema, the loader with file:line:column diagnostics, JSON Schema, reports.
        .target(name: "LabFormat", dependencies: ["Yams"]),
        // Grading: the check primitives (one file each, one registry), targets, the grader, saved progress.
        .target(name: "LabGrader", dependencies: [
            "LabFormat", "BlockingWork", "ProcessRunner", "SecureShell", "CLibxml2", "VirtKit", "HostDoctor", "ImageKit", "ContainerKit", "Inventory",
            "Digests", "BuiltIn",
        ]),
        // The classroom: a class directory (class.yaml, roster, secret), releases, signed result bundles, live
        // grading over ssh. Both sides: the student's host receives and submits, the teacher's collects.
        .target(name: "Classroom", dependencies: [
            "BlockingWork", "ProcessRunner", "SecureShell", "LabFormat", "Yams", "Digests", "HostDoctor", "BuiltIn",
        ]),
        // The teacher's gradebook in SQLite: students, releases, attempts, per-check results; exports for an LMS.
        .target(name: "Gradebook", dependencies: ["Classroom", "LabFormat", "Humanize", .product(name: "GRDB", package: "GRDB.swift")]),
        // Reaching guests and hosts with the system `ssh`: one argument list, virtlab's own known_hosts, diagnoses.
        .target(name: "SecureShell", dependencies: ["ProcessRunner", "HostDoctor"]),
        // Disk images identified by their headers (qcow2, ISO, raw): format, sizes, backing file.
        .target(name: "ImageKit"),
        // The operating systems osinfo-db knows: resources, virtio drivers, install media by their ISO names.
        .target(name: "OSInfo"),
        // Pure Swift terminal UI: cells, buffers, styles, themes, keys, widgets, pictures as cells. Imports no C.
        .target(name: "TermUI"),
        // Pictures read and written: PNG (through zlib) and PPM, into TermUI's Picture.
        .target(name: "Pictures", dependencies: ["CZlib", "TermUI"]),
        // The dashboard as state, messages, update and view: pure, testable as text. Never touches C.
        .target(name: "App", dependencies: ["Inventory", "TermUI", "Humanize", "LabFormat"]),
        // The dashboard's effect runner: App's loop behind ports (machines, containers, labs, terminal), lanes
        // of their own for blocking calls, reconnect with back-off. No libvirt, engine, grader or ncurses.
        .target(name: "Runtime", dependencies: [
            "App", "BlockingWork", "Inventory", "LabFormat", "TermUI", .product(name: "Logging", package: "swift-log"),
        ]),
        // The application layer: the use cases the command line and the dashboard share (a class's live grading,
        // board and reports; a VM from a cloud image), user-facing errors, the log file.
        .target(name: "Services", dependencies: [
            "BlockingWork", "VirtKit", "HostDoctor", "ProcessRunner", "SecureShell", "ContainerKit", "TermCurses", "Classroom",
            "Gradebook", "LabFormat", "LabGrader", "Inventory", "Humanize", "ImageKit", "Providers", "Provisioning", "Yams",
            "BuiltIn", "Pictures", "TermUI", "OSInfo",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The dashboard put together: the runtime with an adapter for each port (libvirt, the engine, the grader,
        // the gradebook, curses), themes found on disk.
        .target(name: "Dashboard", dependencies: [
            "Services", "App", "Runtime", "Inventory", "TermUI", "TermCurses", "Providers", "Provisioning", "VirtKit",
            "ContainerKit", "ImageKit", "LabFormat", "LabGrader", "Classroom", "HostDoctor", "BuiltIn",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The ncurses backend: draws a Buffer, reads keys, handles resize and signals.
        .target(name: "TermCurses", dependencies: ["CNcurses", "CShims", "TermUI", "Pictures"]),
        // The command line: parsing and printing only (the use cases are Services'), one folder per command.
        .target(name: "VirtlabCLI", dependencies: [
            "Services", "Dashboard", "Humanize", "Inventory", "LabFormat", "TermUI",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "virtlab", dependencies: ["VirtlabCLI"]),
        // `make bench`: in-process CPU figures for stats collection and rendering (see BENCHMARKS.md).
        .executableTarget(name: "virtlab-bench", dependencies: ["App", "Inventory", "Providers", "TermUI", "VirtKit"]),

        // The tiers a suite can need (.pure, .daemon, .guest, .engine); `make test-unit` selects .pure.
        .target(name: "TestTags", path: "Tests/TestTags"),
        .target(name: "TestSupport", dependencies: ["BlockingWork", "VirtKit", "HostDoctor", "ContainerKit", "ProcessRunner", "SecureShell"],
                path: "Tests/TestSupport"),
        .testTarget(name: "ProvisioningTests", dependencies: ["TestTags", "Provisioning", "ImageKit", "VirtKit", "TestSupport"]),
        .testTarget(name: "PicturesTests", dependencies: ["TestTags", "Pictures", "TermUI"], exclude: ["Fixtures"]),
        .testTarget(name: "ImageKitTests", dependencies: ["TestTags", "ImageKit", "TestSupport"]),
        .testTarget(name: "ContainerKitTests", dependencies: ["TestTags", "ContainerKit", "TestSupport"]),
        .testTarget(name: "VirtKitTests", dependencies: ["TestTags", "VirtKit", "TestSupport"]),
        .testTarget(name: "HostDoctorTests", dependencies: ["TestTags", "HostDoctor"], exclude: ["Fixtures"]),
        .testTarget(name: "InventoryTests", dependencies: ["TestTags", "Inventory", "Providers", "ContainerKit", "VirtKit", "TestSupport"]),
        .testTarget(name: "AppTests", dependencies: ["TestTags", "App", "BlockingWork", "Inventory", "LabFormat", "LabGrader", "TestSupport"],
                    exclude: ["Snapshots"]),
        .testTarget(name: "LabFormatTests", dependencies: ["TestTags", "LabFormat", "LabGrader", "TestSupport"]),
        .testTarget(name: "LabGraderTests", dependencies: ["TestTags", "LabGrader", "LabFormat", "ImageKit", "TestSupport"]),
        .testTarget(name: "TermUITests", dependencies: ["TestTags", "TermUI"]),
        .testTarget(name: "ProcessRunnerTests", dependencies: ["TestTags", "ProcessRunner", "BlockingWork"]),
        .testTarget(name: "BlockingWorkTests", dependencies: ["TestTags", "BlockingWork", "TestSupport"]),
        .testTarget(name: "SecureShellTests", dependencies: ["TestTags", "SecureShell", "ProcessRunner", "BlockingWork"]),
        .testTarget(name: "ClassroomTests", dependencies: [
            "Classroom", "Gradebook", "LabFormat", "ProcessRunner", "TestSupport", "VirtKit", "BuiltIn", .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .testTarget(name: "RuntimeTests", dependencies: ["TestTags", "Runtime", "App", "Inventory", "LabFormat", "TermUI", "TestSupport"]),
        // How the code is laid out: every suite has a tier, each layer imports only what is below it.
        .testTarget(name: "ArchitectureTests", dependencies: ["TestTags", "TestSupport"]),
        .testTarget(name: "HumanizeTests", dependencies: ["TestTags", "Humanize"]),
        .testTarget(name: "DigestsTests", dependencies: ["TestTags", "Digests"]),
        .testTarget(name: "VirtlabCLITests", dependencies: [
            "TestTags", "VirtlabCLI", "Services", "Classroom", "Dashboard", "TermUI", "ContainerKit", "VirtKit", "TestSupport",
            "LabFormat", "LabGrader", "Pictures", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
    ],
    swiftLanguageModes: [.v6]
)
