/// The reference part of docs/lab-format.md, written from the tables the loader checks against, so the
/// document cannot describe a field the loader refuses or miss one it accepts.
extension Schema {
    /// The "## Primitives" section.
    static func primitivesDocument(_ primitives: PrimitiveCatalog) -> String {
        var lines = ["## Primitives", "",
                     "Each check has exactly one of these. Those marked *follows the target* run where the check's",
                     "`target:` says; the others look from the host.", ""]
        for format in primitives.formats {
            lines += ["### `\(format.name)`", "",
                      format.summary + (format.followsTarget ? " *Follows the target.*" : ""), ""]
            lines += table(format.fields, order: format.fieldOrder) + [""]
        }
        return lines.joined(separator: "\n")
    }

    /// docs/lab-format.md's generated sections, Environment then Primitives: `virtlab lab schema --markdown`.
    public static func referenceDocument(_ primitives: PrimitiveCatalog) -> String {
        environmentDocument() + "\n" + primitivesDocument(primitives)
    }

    /// The "## Environment" section.
    static func environmentDocument() -> String {
        var lines = ["## Environment", "",
                     "A lab may bring its own world: `virtlab lab up LAB` makes what `environment:` declares (only what is",
                     "missing), `lab status` compares each item with what is there, `lab reset` puts every machine back to",
                     "the snapshot taken when `up` finished and re-creates the containers, and `lab down` removes exactly",
                     "what `up` made. Names and values may hold `{{parameters}}`, so every student gets their own.",
                     "", "```yaml",
                     "environment:",
                     "  networks:",
                     "    - {name: \"{{net}}\", mode: isolated, subnet: 192.168.150.1/24, dhcp: 192.168.150.10-192.168.150.99}",
                     "  machines:",
                     "    - {name: \"{{vm}}\", memory: 64M, disk: 64M, networks: [\"{{net}}\"], state: shut off}",
                     "  containers:",
                     "    - {name: \"{{box}}\", image: docker.io/library/busybox:latest, command: [sleep, infinity]}",
                     "```", ""]
        lines += table(environment, order: ["networks", "machines", "containers"]) + [""]
        for (title, fields, order) in [("A network", environmentNetwork, ["name", "mode", "subnet", "dhcp"]),
                                       ("A machine", environmentMachine, ["name", "memory", "vcpus", "disk", "image", "ova", "networks", "state", "cloud_init"]),
                                       ("A machine's cloud_init", environmentCloudInit, ["user", "ssh_key", "ssh_key_pair", "packages", "commands"]),
                                       ("A container", environmentContainer, ["name", "image", "rootfs", "command", "interactive", "ports", "volumes", "state"])] {
            lines += ["### \(title)", ""] + table(fields, order: order) + [""]
        }
        return lines.joined(separator: "\n")
    }

    /// A table of fields: required ones first, then in the order given.
    public static func table(_ fields: [String: Field], order: [String]) -> [String] {
        let keys = order.filter { fields[$0] != nil } + fields.keys.filter { !order.contains($0) }.sorted()
        return ["| key | type | required | meaning |", "|---|---|---|---|"] + keys.compactMap { key in
            fields[key].map { "| `\(key)` | \($0.type.name) | \($0.required ? "yes" : "") | \($0.summary) |" }
        }
    }
}
