import CZlib
import Foundation
import TermUI

/// A picture that could not be read, in one line.
public struct PictureError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// PNG as a guest's display gives it (QEMU's screendump through libvirt) and as virtlab writes it: 8-bit greyscale,
/// RGB or RGBA, not interlaced, read; 8-bit RGB written. Inflate and deflate are the system's zlib.
public enum PNG {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    public static func decode(_ data: Data) throws -> Picture {
        let bytes = [UInt8](data)
        guard bytes.count > 8, Array(bytes[0 ..< 8]) == signature else { throw PictureError("not a PNG file") }
        var offset = 8
        var header: (width: Int, height: Int, depth: UInt8, colour: UInt8, interlace: UInt8)?
        var compressed: [UInt8] = []
        while offset + 12 <= bytes.count {
            let length = Int(bigEndian32(bytes, offset))
            let type = String(decoding: bytes[offset + 4 ..< offset + 8], as: UTF8.self)
            guard length >= 0, offset + 12 + length <= bytes.count else { throw PictureError("a PNG chunk runs past the end of the file") }
            let body = Array(bytes[offset + 8 ..< offset + 8 + length])
            switch type {
            case "IHDR" where length >= 13:
                header = (Int(bigEndian32(body, 0)), Int(bigEndian32(body, 4)), body[8], body[9], body[12])
            case "IDAT": compressed += body
            case "IEND": offset = bytes.count
            default: break
            }
            offset += 12 + length
        }
        guard let header else { throw PictureError("a PNG file without its header chunk") }
        guard header.depth == 8, header.interlace == 0 else {
            throw PictureError("a PNG of \(header.depth)-bit depth\(header.interlace == 0 ? "" : ", interlaced") (virtlab reads 8-bit, not interlaced)")
        }
        let channels: Int
        switch header.colour {
        case 0: channels = 1
        case 2: channels = 3
        case 6: channels = 4
        default: throw PictureError("a PNG of colour type \(header.colour) (virtlab reads greyscale, RGB and RGBA)")
        }
        guard header.width > 0, header.height > 0, header.width * header.height <= 64 << 20 else {
            throw PictureError("a PNG of \(header.width)×\(header.height) pixels")
        }
        let stride = header.width * channels
        var raw = [UInt8](repeating: 0, count: header.height * (stride + 1))
        var size = uLongf(raw.count)
        let status = raw.withUnsafeMutableBufferPointer { out in
            compressed.withUnsafeBufferPointer { input in
                uncompress(out.baseAddress, &size, input.baseAddress, uLong(input.count))
            }
        }
        guard status == Z_OK, Int(size) == raw.count else { throw PictureError("a PNG whose image data does not inflate (zlib \(status))") }
        let pixels = try unfilter(raw, rows: header.height, stride: stride, channels: channels)
        var rgb = [UInt8](repeating: 0, count: header.width * header.height * 3)
        for index in 0 ..< header.width * header.height {
            let source = index * channels
            for channel in 0 ..< 3 { rgb[index * 3 + channel] = pixels[source + (channels == 1 ? 0 : channel)] }
        }
        guard let picture = Picture(width: header.width, height: header.height, rgb: rgb) else { throw PictureError("an empty PNG") }
        return picture
    }

    /// PNG's five row filters undone: each row starts with its filter's number.
    static func unfilter(_ raw: [UInt8], rows: Int, stride: Int, channels: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: rows * stride)
        for row in 0 ..< rows {
            let filter = raw[row * (stride + 1)]
            let input = row * (stride + 1) + 1
            let here = row * stride, above = here - stride
            for i in 0 ..< stride {
                let a = i >= channels ? Int(out[here + i - channels]) : 0
                let b = row > 0 ? Int(out[above + i]) : 0
                let c = row > 0 && i >= channels ? Int(out[above + i - channels]) : 0
                let predicted: Int
                switch filter {
                case 0: predicted = 0
                case 1: predicted = a
                case 2: predicted = b
                case 3: predicted = (a + b) / 2
                case 4:
                    let p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                    predicted = pa <= pb && pa <= pc ? a : pb <= pc ? b : c
                default: throw PictureError("a PNG row with filter \(filter)")
                }
                out[here + i] = UInt8(truncatingIfNeeded: Int(raw[input + i]) + predicted)
            }
        }
        return out
    }

    public static func encode(_ picture: Picture) -> Data {
        let stride = picture.width * 3
        var raw = [UInt8]()
        raw.reserveCapacity(picture.height * (stride + 1))
        for row in 0 ..< picture.height {
            raw.append(0)
            raw += picture.rgb[row * stride ..< (row + 1) * stride]
        }
        var compressed = [UInt8](repeating: 0, count: Int(compressBound(uLong(raw.count))))
        var size = uLongf(compressed.count)
        _ = compressed.withUnsafeMutableBufferPointer { out in
            raw.withUnsafeBufferPointer { compress2(out.baseAddress, &size, $0.baseAddress, uLong($0.count), 6) }
        }
        var header = [UInt8]()
        header += bigEndian(UInt32(picture.width)) + bigEndian(UInt32(picture.height))
        header += [8, 2, 0, 0, 0]
        var file = signature
        file += chunk("IHDR", header) + chunk("IDAT", Array(compressed.prefix(Int(size)))) + chunk("IEND", [])
        return Data(file)
    }

    private static func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + body
        let crc = typed.withUnsafeBufferPointer { UInt32(crc32(0, $0.baseAddress, uInt($0.count))) }
        return bigEndian(UInt32(body.count)) + typed + bigEndian(crc)
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    private static func bigEndian32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
    }
}

/// QEMU's older screendump format (binary PPM, P6), which libvirt passes on as image/x-portable-pixmap.
public enum PPM {
    public static func decode(_ data: Data) throws -> Picture {
        let bytes = [UInt8](data)
        var index = 0
        func token() -> String? {
            // Whitespace and comments separate the header's four fields.
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "#") {
                    while index < bytes.count && bytes[index] != 10 { index += 1 }
                } else if [9, 10, 13, 32].contains(bytes[index]) {
                    index += 1
                } else { break }
            }
            let start = index
            while index < bytes.count && ![9, 10, 13, 32].contains(bytes[index]) { index += 1 }
            return start < index ? String(decoding: bytes[start ..< index], as: UTF8.self) : nil
        }
        guard token() == "P6", let width = token().flatMap({ Int($0) }), let height = token().flatMap({ Int($0) }),
              token() == "255", width > 0, height > 0, width * height <= 64 << 20 else {
            throw PictureError("not a binary PPM file of 8-bit RGB")
        }
        index += 1
        guard bytes.count - index >= width * height * 3,
              let picture = Picture(width: width, height: height, rgb: Array(bytes[index ..< index + width * height * 3]))
        else { throw PictureError("a PPM file shorter than its \(width)×\(height) pixels") }
        return picture
    }
}
