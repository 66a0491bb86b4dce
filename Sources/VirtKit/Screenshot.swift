import CLibvirt
import Foundation

/// What a guest's display showed, as the hypervisor encoded it.
public struct Screenshot: Sendable {
    /// The image's type as libvirt names it: "image/x-portable-pixmap" (QEMU's PPM), "image/png".
    public let mimeType: String
    public let data: Data
}

extension Domain {
    /// The picture on the guest's display `screen` (0 for the first head), taken by the hypervisor.
    public func screenshot(screen: UInt32 = 0) throws -> Screenshot {
        let operation = "take a screenshot of '\(name)'"
        guard let conn = virDomainGetConnect(pointer) else { throw LibvirtError.last(operation) }
        let stream = try check(operation, virStreamNew(conn, 0))
        defer { virStreamFree(stream) }
        guard let mime = virDomainScreenshot(pointer, stream, screen, 0) else { throw LibvirtError.last(operation) }
        defer { free(mime) }
        var data = Data()
        var buffer = [CChar](repeating: 0, count: 256 * 1024)
        while true {
            let received = virStreamRecv(stream, &buffer, buffer.count)
            if received < 0 {
                let error = LibvirtError.last(operation)
                virStreamAbort(stream)
                throw error
            }
            if received == 0 { break }
            buffer.withUnsafeBytes { data.append(contentsOf: $0.prefix(Int(received))) }
            // A display is a few MiB at most; a stream that runs on is not a screenshot.
            if data.count > 64 << 20 {
                virStreamAbort(stream)
                throw LibvirtError(operation: operation, code: -1, domain: 0, message: "the screenshot stream ran past 64 MiB")
            }
        }
        try check(operation, virStreamFinish(stream))
        return Screenshot(mimeType: String(cString: mime), data: data)
    }

    /// Presses keys on the guest's keyboard together (as Linux key codes, KEY_LEFTCTRL = 29 …), held `holdMilliseconds`.
    public func sendKeys(_ codes: [UInt32], holdMilliseconds: UInt32 = 50) throws {
        var keys = codes
        try check("send keys to '\(name)'", virDomainSendKey(pointer, UInt32(VIR_KEYCODE_SET_LINUX.rawValue), holdMilliseconds,
                                                          &keys, Int32(keys.count), 0))
    }
}
