import ArgumentParser
import Services
import Foundation
import Testing
import TestTags
import TestSupport
@testable import VirtlabCLI

/// The first things a new user types: help at every level, the version, a command that does not exist.
@Suite(.tags(.pure)) struct HelpTests {
    /// Every command path in the tree: ["vm"], ["vm", "create"], ["lab", "grade"], …
    static let commandPaths: [[String]] = {
        func walk(_ command: ParsableCommand.Type, _ path: [String]) -> [[String]] {
            command.configuration.subcommands.flatMap { sub -> [[String]] in
                let here = path + [sub.configuration.commandName ?? ""]
                return [here] + walk(sub, here)
            }
        }
        return walk(VirtlabCommand.self, [])
    }()

    @Test func theTreeIsWalked() {
        #expect(Self.commandPaths.contains(["vm", "create"]))
        #expect(Self.commandPaths.contains(["lab", "grade"]))
        #expect(Self.commandPaths.count > 30)
    }

    @Test(arguments: [[]] + commandPaths)
    func helpIsPrintedForEveryCommand(_ path: [String]) throws {
        let result = try Run.virtlab(path + ["--help"])
        #expect(result.status == 0, "virtlab \(path.joined(separator: " ")) --help exited \(result.status): \(result.stderr)")
        #expect(result.stdout.contains("USAGE: virtlab"), "no usage in: \(result.stdout)")
        #expect(!(result.stdout + result.stderr).contains("CommandError"))
        #expect(result.stderr.isEmpty)
        // A line continuation written `\\` in the source shows as a stray backslash.
        #expect(!result.stdout.split(separator: "\n").contains { $0.hasSuffix("\\") }, "a line ends with a backslash: \(result.stdout)")
    }

    @Test(arguments: [["help"], ["help", "vm"], ["help", "lab", "grade"]])
    func theHelpCommandPrintsHelp(_ words: [String]) throws {
        let result = try Run.virtlab(words)
        #expect(result.status == 0)
        #expect(result.stdout.contains("USAGE: virtlab"))
        #expect(result.stderr.isEmpty)
    }

    /// Each lifecycle subcommand's help names the virsh or podman command that does the same, from the action
    /// table the dashboard reads.
    @Test(arguments: [(["vm", "start"], "Same as: virsh start NAME. Applies to a VM that is shut off, crashed."),
                      (["vm", "destroy"], "Same as: virsh destroy NAME."),
                      (["vm", "suspend"], "Same as: virsh suspend NAME. Applies to a VM that is running, blocked."),
                      (["ct", "rm"], "Same as: podman rm [-f] NAME.")])
    func lifecycleHelpNamesTheEquivalentCommand(_ path: [String], _ line: String) throws {
        let result = try Run.virtlab(path + ["--help"])
        #expect(result.status == 0)
        #expect(result.stdout.replacingOccurrences(of: "\n", with: " ").contains(line), "\(result.stdout)")
    }

    @Test func versionIsPrinted() async throws {
        let result = try await Run.virtlab(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout == virtlabVersion + "\n")
    }

    @Test func anUnknownCommandIsNamedAndTheCommandsListed() async throws {
        let result = try await Run.virtlab(["frobnicate"])
        #expect(result.status == 64)
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(result.stderr.contains("unknown command 'frobnicate'"))
        #expect(result.stderr.contains("vm, pool, net, ct, image"))
    }

    @Test func aMissingArgumentStillGetsArgumentParsersUsage() async throws {
        let result = try await Run.virtlab(["vm", "info"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("Missing expected argument '<name>'"))
        let noVM = try await Run.virtlab(["vm", "start"])
        #expect(noVM.status == 64)
        #expect(noVM.stderr.contains("name a VM (or several), or give --match GLOB or --all"))
        #expect(noVM.stderr.contains("Usage: virtlab vm start"))
    }
}
