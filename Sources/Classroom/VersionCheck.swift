import BuiltIn

/// Whether a host's or a bundle's virtlab is the teacher's. Rows flag one that is not: another version may grade
/// the same work differently, or not understand what the class sends it.
public enum VersionCheck {
    /// nil when `theirs` is `ours`; else what a row says. Reports of versions before 0.10.0 name no version.
    public static func mismatch(_ theirs: String?, ours: String = BuiltIn.version) -> String? {
        guard theirs != ours else { return nil }
        return "virtlab \(theirs ?? "older than 0.10.0") there, \(ours) here"
    }
}
