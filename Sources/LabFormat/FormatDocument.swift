/// The reference part of docs/lab-format.md, written from the tables the loader checks against, so the
/// document cannot describe a field the loader refuses or miss one it accepts.
extension Schema {
    /// The "## Primitives" section: `virtlab lab schema --markdown` prints it.
    public static func primitivesDocument(_ primitives: PrimitiveCatalog) -> String {
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

    /// A table of fields: required ones first, then in the order given.
    public static func table(_ fields: [String: Field], order: [String]) -> [String] {
        let keys = order.filter { fields[$0] != nil } + fields.keys.filter { !order.contains($0) }.sorted()
        return ["| key | type | required | meaning |", "|---|---|---|---|"] + keys.compactMap { key in
            fields[key].map { "| `\(key)` | \($0.type.name) | \($0.required ? "yes" : "") | \($0.summary) |" }
        }
    }
}
