import Digests
import Foundation
import Testing
import TestTags

/// The published test vectors: FIPS 180-4's for SHA-256, RFC 4231's for HMAC-SHA256.
@Suite(.tags(.pure)) struct DigestsTests {
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func sha256MatchesTheStandard(_ message: String, _ digest: String) {
        #expect(Digests.hex(Digests.sha256(Data(message.utf8))) == digest)
    }

    @Test func sha256OfAMillionAs() {
        #expect(Digests.hex(Digests.sha256(Data(repeating: UInt8(ascii: "a"), count: 1_000_000)))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func hmacSHA256MatchesRFC4231() {
        // Test case 1: a 20-byte key of 0x0b, "Hi There".
        #expect(Digests.hex(Digests.hmacSHA256(Data("Hi There".utf8), key: Data(repeating: 0x0b, count: 20)))
                == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        // Test case 2: a key shorter than the block, "Jefe".
        #expect(Digests.hex(Digests.hmacSHA256(Data("what do ya want for nothing?".utf8), key: Data("Jefe".utf8)))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        // Test case 6: a 131-byte key, longer than the block, so it is hashed first.
        #expect(Digests.hex(Digests.hmacSHA256(Data("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
                                               key: Data(repeating: 0xaa, count: 131)))
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    @Test func randomBytesAreFreshEachTime() {
        let first = Digests.randomBytes(32), second = Digests.randomBytes(32)
        #expect(first.count == 32 && second.count == 32 && first != second)
    }
}
