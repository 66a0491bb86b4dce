import Foundation
import Testing
import TestSupport
import TestTags

/// The layers, bottom to top, as the README's "How it is built" states them. A module imports only modules
/// listed before it: those of lower layers and, within its own layer, those before it.
enum Layers {
    static let order: [(layer: String, modules: [String])] = [
        ("C bindings", ["CLibvirt", "CLibvirtQEMU", "CNcurses", "CLibxml2", "CLibcrypto", "CZlib", "CShims", "CHostSystem"]),
        ("foundations", ["BlockingWork", "BuiltIn", "Digests", "ProcessRunner", "ImageKit", "OSInfo", "Humanize", "Inventory", "LabFormat", "TermUI", "Pictures"]),
        ("drivers", ["VirtKit", "HostDoctor", "SecureShell", "ContainerKit", "TermCurses"]),
        ("domain", ["Providers", "Provisioning", "LabGrader", "Classroom", "Gradebook"]),
        ("application", ["Services", "App", "Runtime"]),
        ("composition", ["Dashboard", "VirtlabCLI"]),
        ("executables", ["virtlab", "virtlab-bench", "embed-files"]),
    ]
    static let modules = order.flatMap(\.modules)

    /// What the platform and the packages virtlab uses bring; not layered here.
    static let outside: Set<String> = [
        "Foundation", "FoundationXML", "Glibc", "Dispatch", "Synchronization", "Logging", "ArgumentParser", "Yams",
        "GRDB",
    ]

    /// Each target of Package.swift and the names in its dependency list (targets and products alike).
    static func declared() throws -> [String: [String]] {
        let manifest = try String(contentsOf: Repository.root.appendingPathComponent("Package.swift"), encoding: .utf8)
        var targets: [String: [String]] = [:]
        let start = try Regex(#"\.(?:target|executableTarget|systemLibrary)\(name: "([^"]+)""#)
        for match in manifest.matches(of: start) {
            let name = String(match.output[1].substring ?? "")
            let rest = manifest[match.range.upperBound...]
            var dependencies: [String] = []
            // The dependency list is the first bracket after the name, up to its matching close.
            if let open = rest.range(of: "dependencies: ["), rest[..<open.lowerBound].contains(")") == false {
                var depth = 1, index = open.upperBound
                while depth > 0, index < rest.endIndex {
                    if rest[index] == "[" { depth += 1 } else if rest[index] == "]" { depth -= 1 }
                    index = rest.index(after: index)
                }
                let list = rest[open.upperBound..<index]
                let names = try Regex(#"(?:\.product\(name: )?"([^"]+)""#)
                var skipPackage = false
                for item in list.matches(of: names) {
                    // `.product(name: "GRDB", package: "GRDB.swift")`: the product counts, not its package.
                    if skipPackage { skipPackage = false; continue }
                    let text = String(item.output[1].substring ?? "")
                    dependencies.append(text)
                    if item.output[0].substring?.hasPrefix(".product") == true { skipPackage = true }
                }
            }
            targets[name] = dependencies
        }
        return targets
    }
}

@Suite(.tags(.pure)) struct LayeringTests {
    @Test func everyModuleIsInALayer() throws {
        let declared = try Layers.declared()
        let sources = declared.keys.filter { !$0.hasSuffix("Tests") && $0 != "TestSupport" && $0 != "TestTags" }
        #expect(Set(sources) == Set(Layers.modules), "modules missing from the layer list, or listed but gone")
    }

    /// Package.swift's dependency lists follow the layers.
    @Test func dependenciesPointDown() throws {
        var upward: [String] = []
        for (name, dependencies) in try Layers.declared() {
            guard let position = Layers.modules.firstIndex(of: name) else { continue }
            for dependency in dependencies where !Layers.outside.contains(dependency) {
                let below = Layers.modules.firstIndex(of: dependency).map { $0 < position } ?? false
                if !below { upward.append("\(name) -> \(dependency)") }
            }
        }
        #expect(upward.isEmpty, "dependencies that do not point down the layers: \(upward.sorted())")
    }

    /// A source file may import only what its target declares (SwiftPM lets a transitive dependency through,
    /// which would hide a layer crossed).
    @Test func importsAreDeclared() throws {
        let declared = try Layers.declared()
        let importLine = try Regex(#"(?m)^(?:@testable )?import ([A-Za-z_0-9]+)"#)
        var undeclared: [String] = []
        for module in Layers.modules where !Layers.order[0].modules.contains(module) {
            for file in try Repository.swiftFiles(under: "Sources/\(module)") {
                for match in file.text.matches(of: importLine) {
                    let imported = String(match.output[1].substring ?? "")
                    let allowed = Layers.outside.subtracting(["Logging", "ArgumentParser", "Yams", "GRDB"])
                    if imported != module && !allowed.contains(imported) && !(declared[module] ?? []).contains(imported) {
                        undeclared.append("\(file.path): \(imported)")
                    }
                }
            }
        }
        #expect(undeclared.isEmpty, "imports of modules the target does not declare: \(undeclared)")
    }

    /// The pure modules read no file and no environment: what they need is handed to them.
    @Test func thePureModulesDoNoIO() throws {
        var found: [String] = []
        for module in ["Inventory", "App", "TermUI", "Humanize"] {
            for file in try Repository.swiftFiles(under: "Sources/\(module)") {
                for word in ["FileManager", "contentsOfFile", "NSHomeDirectory", "ProcessInfo", "FileHandle", "fopen("]
                where file.text.contains(word) {
                    found.append("\(file.path): \(word)")
                }
            }
        }
        #expect(found.isEmpty, "I/O in a pure module: \(found)")
    }

    /// The dashboard's state machine never touches C, a driver or the disk; the runtime only interprets effects
    /// through ports; nothing but the executables reaches the command line's types.
    @Test func thePureCoreStaysPure() throws {
        let declared = try Layers.declared()
        #expect(Set(declared["App"] ?? []).isSubset(of: ["Inventory", "TermUI", "Humanize", "LabFormat"]))
        #expect(Set(declared["Runtime"] ?? []).isSubset(of: ["App", "BlockingWork", "Inventory", "LabFormat", "TermUI", "Logging"]))
        let usersOfCLI = declared.filter { $0.value.contains("VirtlabCLI") }.keys.filter { !$0.hasSuffix("Tests") }
        #expect(usersOfCLI == ["virtlab"])
        let usersOfDashboard = declared.filter { $0.value.contains("Dashboard") }.keys
        #expect(usersOfDashboard.sorted() == ["VirtlabCLI"])
    }

    /// The command line parses and prints: every use case it runs is the application layer's, and it reaches no
    /// driver or domain module (what it shows is the model's and Humanize's).
    @Test func theCommandLineOnlyParsesAndPrints() throws {
        let declared = Set(try Layers.declared()["VirtlabCLI"] ?? [])
        let allowed: Set = ["Services", "Dashboard", "Humanize", "Inventory", "LabFormat", "TermUI", "ArgumentParser", "Logging"]
        #expect(declared.isSubset(of: allowed), "the command line depends on \(declared.subtracting(allowed).sorted())")
    }
}
