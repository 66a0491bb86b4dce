import Foundation

/// The labs and themes that ship with virtlab, inside the binary: a copied binary, a package or a checkout all
/// have them, and files on disk of the same name come first (see the catalogs' search order).
public enum BuiltIn {
    /// This virtlab's version: what `virtlab --version` prints, what reports carry, what a class compares.
    public static let version = "0.10.0"

    public struct File: Sendable {
        /// As it was in the repository: `show-uuid.yaml`, `default.theme`.
        public let name: String
        public let contents: Data

        public var text: String { String(decoding: contents, as: UTF8.self) }
    }

    public static let labs = files(in: "labs")
    public static let themes = files(in: "themes")

    private static func files(in folder: String) -> [File] {
        encoded.filter { $0.folder == folder }.compactMap { entry in
            Data(base64Encoded: entry.base64).map { File(name: entry.name, contents: $0) }
        }
    }
}
