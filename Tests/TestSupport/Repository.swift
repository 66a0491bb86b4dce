import Foundation

/// Paths in this checkout, for tests that read the shipped labs and documents.
public enum Repository {
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    public static let labs = root.appendingPathComponent("labs").path
    public static func document(_ name: String) -> String { root.appendingPathComponent("docs/\(name)").path }
}
