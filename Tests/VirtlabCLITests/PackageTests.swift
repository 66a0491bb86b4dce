import Foundation
import Testing
import TestSupport
import TestTags

/// The .deb that `make dist` wrote, installed as a user would into a clean Debian root with no Swift in it
/// (`.ci/build-package-root`): it runs, finds its labs, has its man page and completions, and `dpkg -r` takes
/// every file it brought.
@Suite(.serialized, .tags(.package)) struct PackageTests {
    static let rootTarball = ProcessInfo.processInfo.environment["VIRTLAB_PACKAGE_ROOT"] ?? "/var/cache/virtlab/package-root.tar"

    static func package() throws -> String {
        let dist = Repository.root.appendingPathComponent("dist").path
        let debs = ((try? FileManager.default.contentsOfDirectory(atPath: dist)) ?? []).filter { $0.hasSuffix("_amd64.deb") }
        guard let deb = debs.sorted().last else {
            throw PackageTestFailure("no dist/virtlab_*_amd64.deb: 'make test' builds it with 'make dist' first")
        }
        return "\(dist)/\(deb)"
    }

    /// A fresh copy of the clean root, with `deb` inside it as /tmp/virtlab.deb.
    static func cleanRoot(with deb: String) async throws -> String {
        let root = "/var/tmp/vl-package-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let unpacked = try await Run.command(["tar", "-C", root, "-xf", rootTarball])
        guard unpacked.status == 0 else { throw PackageTestFailure("cannot unpack \(rootTarball): \(unpacked.stderr)") }
        try FileManager.default.copyItem(atPath: deb, toPath: root + "/tmp/virtlab.deb")
        return root
    }

    /// Every path in the root but the bookkeeping dpkg and man-db keep for themselves.
    static func files(in root: String) async throws -> Set<String> {
        let listed = try await Run.command(["find", root, "-xdev"])
        return Set(listed.stdout.split(separator: "\n").map { String($0.dropFirst(root.count)) }.filter {
            !$0.hasPrefix("/var/lib/dpkg") && !$0.hasPrefix("/var/log") && !$0.hasPrefix("/var/cache/man")
                && !$0.hasPrefix("/tmp")
        })
    }

    @Test func theDebianPackageInstallsRunsAndRemovesCleanly() async throws {
        let deb = try Self.package()
        let root = try await Self.cleanRoot(with: deb)
        defer { try? FileManager.default.removeItem(atPath: root) }
        // As on an installed system, /proc is there (Swift reads its arguments from it): a mount namespace of the
        // command's own mounts it, and takes it away again when the command ends.
        func inRoot(_ command: String) async throws -> Run.Result {
            try await Run.command(["unshare", "--mount", "--fork", "sh", "-c",
                                   #"mount -t proc proc "$1/proc" && exec chroot "$1" /bin/sh -c "$2""#, "sh", root, command],
                                  environment: ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root", "LANG": "C.UTF-8"])
        }
        #expect(try await inRoot("command -v swift").status != 0, "the clean root must have no Swift")
        let before = try await Self.files(in: root)

        let installed = try await inRoot("dpkg -i /tmp/virtlab.deb")
        try #require(installed.status == 0, "dpkg -i: \(installed.stdout)\(installed.stderr)")
        let version = try await inRoot("virtlab --version")
        #expect(version.status == 0 && deb.contains("_\(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines))_"))
        let listed = try await inRoot("virtlab ls --uri test:///default")
        #expect(listed.status == 0 && listed.stdout.contains("test"), "\(listed.stdout)\(listed.stderr)")
        let labs = try await inRoot("virtlab lab list")
        let shipped = try FileManager.default.contentsOfDirectory(atPath: Repository.labs).filter { $0.hasSuffix(".yaml") }
        #expect(labs.status == 0 && labs.stdout.split(separator: "\n").count == shipped.count + 1, "\(labs.stdout)\(labs.stderr)")
        #expect(labs.stdout.contains("/usr/share/virtlab/labs"), "the installed copies come before the built-in set")
        let manual = try await inRoot("man -w virtlab")
        #expect(manual.status == 0 && manual.stdout.contains("/usr/share/man/man1/virtlab.1.gz"), "\(manual.stderr)")
        // bash-completion loads ours on demand; the function it defines completes the subcommands.
        let completion = try await inRoot(
            #"bash -c '. /usr/share/bash-completion/bash_completion; _completion_loader virtlab; "#
                + #"COMP_WORDS=(virtlab l); COMP_CWORD=1; COMP_LINE="virtlab l"; COMP_POINT=9; "#
                + #"$(complete -p virtlab | sed "s/.*-F \([^ ]*\).*/\1/") virtlab l virtlab; printf "%s\n" "${COMPREPLY[@]}"'"#)
        #expect(completion.stdout.split(separator: "\n").contains("lab"), "\(completion.stdout)\(completion.stderr)")

        let removed = try await inRoot("dpkg -r virtlab")
        #expect(removed.status == 0, "\(removed.stderr)")
        let left = try await Self.files(in: root).subtracting(before)
        #expect(left.isEmpty, "left behind after dpkg -r: \(left.sorted())")
    }
}

struct PackageTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
