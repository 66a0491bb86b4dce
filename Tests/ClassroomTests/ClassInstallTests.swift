import BuiltIn
import Classroom
import Foundation
import Testing
import TestSupport
import TestTags

/// `class install` on student hosts that each have a Debian system of their own (copies of the package tests'
/// clean root, no Swift): the .deb `make dist` built goes on as root, the tarball into ~/.local where sudo wants a
/// password, an older package is upgraded; a package that needs a newer glibc is refused and leaves the old
/// virtlab working. Then a lab only the teacher has is released, graded live and submitted on the hosts it
/// installed, and nothing is flagged — while the older virtlab was.
@Suite(.serialized, .tags(.daemon, .package)) struct ClassInstallTests {
    let work = NSTemporaryDirectory() + "virtlab-install-\(UUID().uuidString.prefix(8))"

    /// The package of this virtlab that `make dist` wrote.
    static func package() throws -> String {
        let deb = Repository.root.appendingPathComponent("dist/virtlab_\(BuiltIn.version)_amd64.deb").path
        guard FileManager.default.fileExists(atPath: deb) else {
            throw Run.Failure("no \(deb): 'make test' builds it with 'make dist' first")
        }
        return deb
    }

    /// A package named virtlab at version 0.9.0 whose `virtlab` is a script that answers as a version before 0.10.0
    /// did: a report with no version in it.
    func olderPackage() async throws -> String {
        let tree = work + "/old"
        try FileManager.default.createDirectory(atPath: tree + "/DEBIAN", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: tree + "/usr/bin", withIntermediateDirectories: true)
        try "Package: virtlab\nVersion: 0.9.0\nArchitecture: amd64\nMaintainer: test <test@virtlab.invalid>\nDescription: older\n"
            .write(toFile: tree + "/DEBIAN/control", atomically: true, encoding: .utf8)
        try """
            #!/bin/sh
            case "$1 $2" in
            "--version "*) echo 0.9.0 ;;
            "lab grade") echo '{"earned": 0, "possible": 2}' ;;
            *) echo "virtlab 0.9.0: unknown command" >&2; exit 64 ;;
            esac

            """.write(toFile: tree + "/usr/bin/virtlab", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: tree + "/usr/bin/virtlab")
        try await succeed(["dpkg-deb", "--root-owner-group", "-b", tree, work + "/virtlab_0.9.0_amd64.deb"])
        return work + "/virtlab_0.9.0_amd64.deb"
    }

    /// This virtlab's package, but asking for a C library newer than any Debian has: as if built on a newer system.
    func packageForANewerSystem(_ deb: String) async throws -> String {
        let tree = work + "/newer"
        try await succeed(["dpkg-deb", "-R", deb, tree])
        let control = try String(contentsOfFile: tree + "/DEBIAN/control", encoding: .utf8)
            .replacingOccurrences(of: "Depends: ", with: "Depends: libc6 (>= 2.99), ")
        try control.write(toFile: tree + "/DEBIAN/control", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: work + "/newer-dist", withIntermediateDirectories: true)
        let built = work + "/newer-dist/" + (deb as NSString).lastPathComponent
        try await succeed(["dpkg-deb", "--root-owner-group", "-Znone", "-b", tree, built])
        return built
    }

    /// Off the cooperative threads (a process waited for there starves the tests beside it).
    func succeed(_ argv: [String]) async throws {
        let run = try await Run.command(argv)
        guard run.status == 0 else { throw Run.Failure("\(argv.joined(separator: " ")): \(run.stderr)") }
    }

    @Test func theClassInstallsVirtlabOnEveryKindOfHostAndThenWorksThere() async throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let deb = try Self.package()
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let (older, newer) = (try await olderPackage(), try await packageForANewerSystem(deb))
        let room = try await TestClassroom([
            .init("pc01", system: .init()),
            .init("pc02", system: .init(login: "student")),
            .init("pc03", system: .init(preinstalled: [older])),
        ])
        let classPath = room.directory + "/class"
        await #expect(try Run.virtlab(["class", "init", classPath, "--lab", "check-extensions"]).status == 0)
        try FileManager.default.createDirectory(atPath: classPath + "/labs", withIntermediateDirectories: true)
        try TestClassroom.teachersOwnLab(id: "room9-own", title: "A lab of room 9's own", place: "/tmp/own-{student}")
            .write(toFile: classPath + "/labs/own.yaml", atomically: true, encoding: .utf8)
        try "name: room 9\nlabs: [room9-own]\nssh_config: \(room.sshConfig)\nhost_timeout_seconds: 120\n"
            .write(toFile: classPath + "/class.yaml", atomically: true, encoding: .utf8)
        try (Roster.csvHeader + "\nann,Ann,,pc01\nbob,Bob,,pc02\ncy,Cy,,pc03\n")
            .write(toFile: classPath + "/roster.csv", atomically: true, encoding: .utf8)
        #expect(room.onHost("pc01", ["sh", "-c", "command -v virtlab"]).status != 0, "no virtlab there yet")

        // Before: the older virtlab's grade is flagged.
        let flagged = try await Run.virtlab(["class", "grade", classPath, "--student", "cy", "--exit-zero"])
        #expect(flagged.stdout.contains("VERSION") && flagged.stdout.contains("virtlab older than 0.10.0 there, \(BuiltIn.version) here")
                && flagged.stderr.contains("1 row flagged"), "\(flagged.stdout)\(flagged.stderr)")

        // A package built for a newer system: apt-get refuses it before it unpacks anything; the old one still runs.
        let refused = try await Run.virtlab(["class", "install", classPath, "--student", "cy", "--package", newer])
        #expect(refused.status == 1 && refused.stdout.contains("apt-get refused it: virtlab : Depends: libc6 (>= 2.99)")
                && refused.stdout.contains("(virtlab 0.9.0 there is unchanged)"), "\(refused.stdout)\(refused.stderr)")
        #expect(room.onHost("pc03", ["virtlab", "--version"]).stdout == "0.9.0\n")

        // A config with a mistake is refused at its line before any host is reached.
        let config = work + "/config.yaml"
        try "refresh: 5\nrefrsh: 3\n".write(toFile: config, atomically: true, encoding: .utf8)
        let badConfig = try await Run.virtlab(["class", "install", classPath, "--package", deb, "--config", config])
        #expect(badConfig.status != 0 && badConfig.stderr.contains("\(config):2:1: unknown setting 'refrsh'")
                && !badConfig.stderr.contains("[1/"), "\(badConfig.stderr)")

        try "refresh: 5\n".write(toFile: config, atomically: true, encoding: .utf8)
        let installed = try await Run.virtlab(["class", "install", classPath, "--package", deb, "--config", config])
        let rows = installed.stdout.split(separator: "\n").map(String.init)
        #expect(installed.status == 0, "\(installed.stdout)\(installed.stderr)")
        #expect(rows.contains { $0.hasPrefix("ann ") && $0.contains("installed \(BuiltIn.version): Debian package; "
                                                                       + "config in /etc/xdg/virtlab/config.yaml") }, "\(rows)")
        #expect(rows.contains { $0.hasPrefix("bob ") && $0.contains("installed \(BuiltIn.version): tarball in ~/.local "
                                                                       + "(sudo wants a password); config in /home/student/.config/virtlab/config.yaml") },
                "\(rows)")
        #expect(rows.contains { $0.hasPrefix("cy ") && $0.contains("0.9.0") && $0.contains("upgraded 0.9.0 → \(BuiltIn.version): Debian package") },
                "\(rows)")
        #expect(FileManager.default.fileExists(atPath: room.systemRoot("pc01") + "/usr/bin/virtlab"))
        #expect(FileManager.default.fileExists(atPath: room.loginHome("pc02") + "/.local/bin/virtlab")
                && !FileManager.default.fileExists(atPath: room.systemRoot("pc02") + "/usr/bin/virtlab"))
        let shown = room.onHost("pc01", ["virtlab", "config", "show"]).stdout
        #expect(shown.contains("/etc/xdg/virtlab/config.yaml:1"), "\(shown)")

        let again = try await Run.virtlab(["class", "install", classPath, "--package", deb])
        #expect(again.status == 0 && again.stdout.split(separator: "\n").dropFirst().allSatisfy { $0.hasSuffix("already \(BuiltIn.version)") },
                "\(again.stdout)\(again.stderr)")

        // The lab only the teacher has, on two of the hosts it installed: released, graded live, submitted.
        for (student, host) in [("ann", "pc01"), ("bob", "pc02")] {
            let enrolled = try await Run.virtlab(["class", "enrol", classPath, student, room.loginHome(host) + "/.ssh/id_ed25519.pub"])
            #expect(enrolled.status == 0, "\(enrolled.stderr)")
        }
        let released = try await Run.virtlab(["class", "release", classPath, "--student", "ann", "--student", "bob"])
        #expect(released.status == 0 && released.stdout.split(separator: "\n").filter { $0.hasSuffix(" released") }.count == 2
                && !released.stdout.contains("VERSION"), "\(released.stdout)\(released.stderr)")
        let asStudent = { (host: String, words: String) in
            room.onHost(host, ["sh", "-c", #"PATH="$PATH:$HOME/.local/bin" virtlab "# + words])
        }
        #expect(asStudent("pc02", "lab solve room9-own").status == 0)
        let graded = try await Run.virtlab(["class", "grade", classPath, "--student", "ann", "--student", "bob", "--exit-zero"])
        let gradedRows = graded.stdout.split(separator: "\n").map(String.init)
        #expect(gradedRows.contains { $0.hasPrefix("ann ") && $0.hasSuffix(" 0/2") }
                && gradedRows.contains { $0.hasPrefix("bob ") && $0.hasSuffix(" 2/2") } && !graded.stdout.contains("VERSION"),
                "\(graded.stdout)\(graded.stderr)")

        let dropbox = work + "/dropbox"
        try FileManager.default.createDirectory(atPath: dropbox, withIntermediateDirectories: true)
        for (student, host) in [("ann", "pc01"), ("bob", "pc02")] {
            let submitted = asStudent(host, "lab submit room9-own --output /tmp/own.virtlab-result")
            #expect(submitted.status == 0, "\(submitted.stdout)\(submitted.stderr)")
            try FileManager.default.copyItem(atPath: room.systemRoot(host) + "/tmp/own.virtlab-result",
                                             toPath: "\(dropbox)/own-\(student).virtlab-result")
        }
        let collected = try await Run.virtlab(["class", "collect", classPath, dropbox])
        let collectedRows = collected.stdout.split(separator: "\n").map(String.init)
        #expect(collected.status == 0 && collectedRows.filter { $0.contains(" verified ") }.count == 2
                && !collected.stdout.contains("VERSION"), "\(collected.stdout)\(collected.stderr)")
    }
}

/// How `class install` chooses the way onto a host from what the host said, and what a row says when there is none.
@Suite(.tags(.pure)) struct HostInstallTests {
    typealias Probe = HostInstall.Probe

    @Test func theProbesLinesAreReadPastABanner() {
        let probe = Probe(parsing: "Welcome to pc07!\nuid=1000\ndpkg=yes\nsudo=password\nmachine=x86_64\nvirtlab=0.9.0\n")
        #expect(probe == Probe(isRoot: false, hasDpkg: true, sudo: .wantsPassword, machine: "x86_64", installed: "0.9.0"))
        #expect(Probe(parsing: "uid=0\nmachine=x86_64\n") == Probe(isRoot: true, hasDpkg: false, sudo: .absent, installed: nil))
    }

    @Test(arguments: [
        (Probe(isRoot: true, hasDpkg: true), true, true, HostInstall.Way.debian(sudo: false)),
        (Probe(hasDpkg: true, sudo: .works), true, true, .debian(sudo: true)),
        (Probe(hasDpkg: true, sudo: .wantsPassword), true, true, .home(because: "sudo wants a password")),
        (Probe(hasDpkg: true), true, true, .home(because: "not root, and no sudo")),
        (Probe(isRoot: true), true, true, .home(because: "no dpkg there")),
        (Probe(isRoot: true, hasDpkg: true), false, true, .home(because: "no .deb given")),
    ])
    func eachHostGetsTheWayThatSuitsIt(_ probe: Probe, _ hasDebian: Bool, _ hasTarball: Bool, _ way: HostInstall.Way) throws {
        #expect(try HostInstall.way(for: probe, hasDebian: hasDebian, hasTarball: hasTarball).get() == way)
    }

    @Test func aHostWithNoWayIsARowThatSaysWhatWouldDo() {
        let noTarball = HostInstall.way(for: Probe(hasDpkg: true, sudo: .wantsPassword), hasDebian: true, hasTarball: false)
        #expect(throws: HostInstall.Refusal("sudo wants a password, and no tarball to put in ~/.local instead: give --package "
                                            + "virtlab-\(BuiltIn.version)-linux-x86_64.tar.gz (make dist writes it beside the .deb)")) {
            try noTarball.get()
        }
        #expect(throws: HostInstall.Refusal("the host is aarch64; the package is for x86_64")) {
            try HostInstall.way(for: Probe(isRoot: true, hasDpkg: true, machine: "aarch64"), hasDebian: true, hasTarball: true).get()
        }
    }

    @Test func aHostOrBundleOfAnotherVersionIsFlagged() {
        #expect(VersionCheck.mismatch(BuiltIn.version) == nil)
        #expect(VersionCheck.mismatch("0.9.9") == "virtlab 0.9.9 there, \(BuiltIn.version) here")
        #expect(VersionCheck.mismatch(nil) == "virtlab older than 0.10.0 there, \(BuiltIn.version) here")
    }
}
