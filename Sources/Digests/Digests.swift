import CLibcrypto
import Foundation

/// SHA-256, HMAC-SHA256 and fresh random bytes: what the classroom (secrets, per-student values, bundle digests),
/// the host report (SSH key fingerprints) and the lab checks (file digests) need, from the system's libcrypto.
public enum Digests {
    /// The SHA-256 digest of `data` (32 bytes).
    public static func sha256(_ data: Data) -> Data {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let done = data.withUnsafeBytes { EVP_Digest($0.baseAddress, data.count, &digest, &length, EVP_sha256(), nil) }
        // Only an allocation failure inside libcrypto makes a one-shot digest fail; nothing sensible goes on then.
        precondition(done == 1, "libcrypto could not compute SHA-256")
        return Data(digest.prefix(Int(length)))
    }

    /// HMAC-SHA256 of `message` under `key` (32 bytes).
    public static func hmacSHA256(_ message: Data, key: Data) -> Data {
        var code = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let done = key.withUnsafeBytes { key in
            message.withUnsafeBytes { message in
                HMAC(EVP_sha256(), key.baseAddress, Int32(key.count), message.baseAddress?.assumingMemoryBound(to: UInt8.self),
                     message.count, &code, &length)
            }
        }
        precondition(done != nil, "libcrypto could not compute HMAC-SHA256")
        return Data(code.prefix(Int(length)))
    }

    /// `count` bytes from the system's cryptographically secure generator (getrandom).
    public static func randomBytes(_ count: Int) -> Data {
        var generator = SystemRandomNumberGenerator()
        return Data((0 ..< count).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// Lowercase hex, two digits a byte, as `sha256sum` prints a digest.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes { text += [digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]] }
        return String(decoding: text, as: UTF8.self)
    }
}
