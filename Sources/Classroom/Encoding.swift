import Digests
import Foundation

// The classroom's small codecs, in one place: hex for secrets, nonces, ids and digests, and decoding errors
// in words.

/// Lowercase hex, two digits a byte, as `sha256sum` prints a digest.
func hex(_ bytes: some Sequence<UInt8>) -> String { Digests.hex(bytes) }

/// `bits` of fresh randomness, in hex.
func randomHex(bits: Int) -> String { hex(Digests.randomBytes(bits / 8)) }

extension Data {
    /// Lowercase hex of SHA-256, as `sha256sum` prints it.
    public var sha256Hex: String { hex(Digests.sha256(self)) }
}

/// What a class file or a bundle's payload got wrong, naming the field.
func describe(_ error: DecodingError) -> String {
    switch error {
    case .keyNotFound(let key, _): "'\(key.stringValue)' is missing"
    case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
        "'\(context.codingPath.map(\.stringValue).joined(separator: "."))': \(context.debugDescription)"
    @unknown default: "\(error)"
    }
}
