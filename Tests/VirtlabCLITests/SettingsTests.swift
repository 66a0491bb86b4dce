import Classroom
import Foundation
import Services
import Testing
import TestSupport
import TestTags

/// The config files: the user's over the system's, under the command line and the environment; a file with a
/// mistake is one line at file:line:column, and its settings fall back to the defaults.
@Suite(.tags(.pure)) struct SettingsTests {
    /// A user and a system config directory with these files' contents (nil: no file).
    static func environment(user: String?, system: String?) throws -> [String: String] {
        let root = NSTemporaryDirectory() + "vl-settings-\(UUID().uuidString.prefix(8))"
        for (folder, text) in [("user", user), ("system", system)] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(folder)/virtlab", withIntermediateDirectories: true)
            try text?.write(toFile: "\(root)/\(folder)/virtlab/config.yaml", atomically: true, encoding: .utf8)
        }
        return ["XDG_CONFIG_HOME": root + "/user", "XDG_CONFIG_DIRS": root + "/system", "HOME": root]
    }

    @Test func theUsersFileComesOverTheSystemsAndEachSettingSaysWhere() throws {
        let environment = try Self.environment(user: "theme: light\nread_only: true\n",
                                               system: "connections: [qemu:///system, qemu+ssh://lab2/system]\ntheme: mono\nrefresh: 5\n")
        let settings = Settings(environment: environment)
        #expect(settings.problems.isEmpty)
        #expect(settings.connections.value == ["qemu:///system", "qemu+ssh://lab2/system"])
        #expect(settings.connections.source.hasSuffix("/system/virtlab/config.yaml:1"))
        #expect(settings.theme.value == "light" && settings.theme.source.hasSuffix("/user/virtlab/config.yaml:1"))
        #expect(settings.refresh.value == 5 && settings.readOnly.value)
        #expect(settings.engine.value == nil && settings.engine.source == "default")
    }

    @Test(arguments: [
        ("conections: [qemu:///system]\n", ":2:1: unknown setting 'conections'"),
        ("connections: [qemu:///system, not a uri]\n", ":2:14: 'not a uri' is not a libvirt URI"),
        ("refresh: 0.1\n", ":2:10: 'refresh' is seconds between refreshes, 0.5 to 60"),
        ("engine: /run/podman/podman.sock\n", ":2:9: 'engine' is the engine's socket as unix:///PATH"),
        ("read_only: maybe\n", ":2:12: 'read_only' is true or false"),
        ("labs: {a: b}\n", ":2:7: 'labs' is a list: [a, b]"),
        ("refresh: [1\n", ":3:1: YAML: "),
        ("class_parallelism: 0\n", ":2:20: 'class_parallelism' is hosts reached at once, 1 to 256"),
        ("class_host_timeout: ten\n", ":2:21: 'class_host_timeout' is seconds one host may take, 1 to 3600"),
    ])
    func aMistakeIsOneLineAndTheFileIsLeftOut(_ text: String, _ said: String) throws {
        let settings = Settings(environment: try Self.environment(user: "theme: light\n" + text, system: "refresh: 3\n"))
        #expect(settings.problems.count == 1 && settings.problems[0].contains("/user/virtlab/config.yaml" + said),
                "\(settings.problems)")
        #expect(settings.theme.value == nil && settings.refresh.value == 3, "the user's file is left out whole, the system's stands")
    }

    @Test func theCommandLineSaysWhatItUsesAndRefusesWhatTheSettingsForbid() async throws {
        let environment = try Self.environment(user: "connections: [test:///default]\nread_only: true\n", system: nil)
        let shown = try await Run.virtlab(["config", "show"], environment: environment)
        #expect(shown.status == 0 && shown.stdout.split(separator: "\n").contains { $0.hasPrefix("read_only ") && $0.contains(" yes ") },
                "\(shown.stdout)")
        let listed = try await Run.virtlab(["ls"], environment: environment)
        #expect(listed.stdout.hasPrefix("Virtual machines on test:///default"), "the settings' connection: \(listed.stdout)")
        let started = try await Run.virtlab(["vm", "destroy", "test"], environment: environment)
        #expect(started.status != 0 && started.stderr.contains("read-only"), "\(started.stderr)")

        let broken = try Self.environment(user: "conections: [qemu:///system]\n", system: nil)
        let warned = try await Run.virtlab(["ls", "--uri", "test:///default"], environment: broken)
        #expect(warned.status == 0 && warned.stderr.split(separator: "\n").first?.contains("config.yaml:1:1: unknown setting") == true,
                "one line, and the command still runs: \(warned.stderr)")
    }

    /// A teacher's class defaults fill in what a class.yaml leaves out, and only that.
    @Test func classDefaultsFillInWhatClassYAMLLeavesOut() throws {
        let settings = Settings(environment: try Self.environment(user: "class_parallelism: 16\nclass_host_timeout: 300\n", system: nil))
        #expect(settings.problems.isEmpty && settings.classDefaults == ClassDefaults(parallelism: 16, hostTimeoutSeconds: 300))
        let path = NSTemporaryDirectory() + "vl-class-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try "name: room\nhost_timeout_seconds: 30\n".write(toFile: path + "/class.yaml", atomically: true, encoding: .utf8)
        let config = try ClassDirectory(path: path, defaults: settings.classDefaults).config()
        #expect(config.parallelism == 16 && config.hostTimeoutSeconds == 30)
    }
}

/// Which package files `class install` sends: the ones given, or make dist's names in the places searched; a
/// package of another version than this virtlab is refused before any host is reached.
@Suite(.tags(.pure)) struct ClassInstallPackagesTests {
    typealias Packages = ClassService.InstallPackages

    func directory(with names: [String]) throws -> String {
        let path = NSTemporaryDirectory() + "vl-packages-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for name in names { try Data("x".utf8).write(to: URL(fileURLWithPath: path + "/" + name)) }
        return path
    }

    @Test func theTarballBesideTheGivenPackageGoesWithItAndTheDefaultsAreFound() throws {
        let dist = try directory(with: [Packages.debianName, Packages.tarballName])
        defer { try? FileManager.default.removeItem(atPath: dist) }
        let given = try Packages.find(given: [dist + "/" + Packages.debianName], searched: [])
        #expect(given.debian == dist + "/" + Packages.debianName && given.tarball == dist + "/" + Packages.tarballName)
        let searched = try Packages.find(given: [], searched: ["/nonexistent", dist])
        #expect(searched == given)
        let tarballOnly = try Packages.find(given: [dist + "/" + Packages.tarballName], searched: [])
        #expect(tarballOnly.debian == nil && tarballOnly.tarball == dist + "/" + Packages.tarballName)
    }

    @Test(arguments: [
        ("virtlab_0.9.0_amd64.deb", "is virtlab 0.9.0, and this is \(virtlabVersion)"),
        ("virtlab.deb", "cannot tell its version; its name should be \(Packages.debianName)"),
        ("virtlab.rpm", "not a package; give \(Packages.debianName) or \(Packages.tarballName)"),
    ])
    func aPackageThatIsNotThisVersionsIsRefused(_ name: String, _ said: String) throws {
        let dist = try directory(with: [name])
        defer { try? FileManager.default.removeItem(atPath: dist) }
        #expect { try Packages.find(given: [dist + "/" + name], searched: []) } throws: { "\($0)".contains(said) }
        #expect { try Packages.find(given: [dist + "/missing.deb"], searched: []) } throws: { "\($0)".hasSuffix("missing.deb: no such file") }
        #expect { try Packages.find(given: [], searched: [dist]) } throws: { "\($0)".contains("give --package FILE") }
    }
}
