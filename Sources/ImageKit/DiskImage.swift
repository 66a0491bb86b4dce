import Foundation

/// A disk image as its own bytes describe it: the format from the header (never from the file name),
/// the virtual size, and for qcow2 the backing file.
public struct DiskImage: Sendable, Equatable {
    public let path: String
    /// "qcow2", "iso", "raw", or "unknown" for a file that does not look like a disk image at all.
    public let format: String
    public let virtualSize: UInt64
    public let sizeOnDisk: UInt64
    public let backingFile: String?

    /// nil when the file does not exist or cannot be read.
    public static func inspect(path: String) -> DiskImage? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        let fileSize = UInt64(info.st_size)
        let onDisk = UInt64(info.st_blocks) * 512
        let header = (try? handle.read(upToCount: 72)) ?? Data()
        if header.count >= 32, header.prefix(4) == Data([0x51, 0x46, 0x49, 0xFB]) {  // "QFI\xfb"
            let backingOffset = bigEndian(header, 8, 8)
            let backingLength = bigEndian(header, 16, 4)
            var backing: String?
            if backingOffset > 0, backingLength > 0, backingLength < 4096 {
                try? handle.seek(toOffset: backingOffset)
                backing = (try? handle.read(upToCount: Int(backingLength))).map { String(decoding: $0, as: UTF8.self) }
            }
            return DiskImage(path: path, format: "qcow2", virtualSize: bigEndian(header, 24, 8), sizeOnDisk: onDisk,
                             backingFile: backing)
        }
        // ISO 9660: "CD001" in the first volume descriptor, at byte 32769.
        if fileSize > 32774, (try? handle.seek(toOffset: 32769)) != nil,
           (try? handle.read(upToCount: 5)) == Data("CD001".utf8) {
            return DiskImage(path: path, format: "iso", virtualSize: fileSize, sizeOnDisk: onDisk, backingFile: nil)
        }
        let raw = looksLikeRawDisk(handle, size: fileSize)
        return DiskImage(path: path, format: raw ? "raw" : "unknown", virtualSize: fileSize, sizeOnDisk: onDisk,
                         backingFile: nil)
    }

    public var isDiskImage: Bool { format != "unknown" }

    /// The image and the images under it, following qcow2 backing files (relative ones from the image's own
    /// directory, as QEMU does); stops at a missing file or after 16 levels.
    public static func chain(path: String) -> [DiskImage] {
        var result: [DiskImage] = []
        var next: String? = path
        while let current = next, result.count < 16, let image = inspect(path: current) {
            result.append(image)
            next = image.backingFile.map { backing in
                backing.hasPrefix("/") ? backing
                    : (current as NSString).deletingLastPathComponent + "/" + backing
            }
        }
        return result
    }

    /// Raw disks carry no header of their own; they are recognised by a partition table, a file system, or
    /// (for blank disks) a size in whole sectors of at least 1 MiB.
    private static func looksLikeRawDisk(_ handle: FileHandle, size: UInt64) -> Bool {
        try? handle.seek(toOffset: 0)
        let start = (try? handle.read(upToCount: 1088)) ?? Data()
        let bytes = [UInt8](start)
        if bytes.count >= 512, bytes[510] == 0x55, bytes[511] == 0xAA { return true }  // MBR or protective GPT
        if bytes.count >= 4, bytes[0 ..< 4] == [0x58, 0x46, 0x53, 0x42] { return true }  // XFS "XFSB"
        if bytes.count >= 1082, bytes[1080] == 0x53, bytes[1081] == 0xEF { return true }  // ext2/3/4 magic
        return size >= 1 << 20 && size % 512 == 0
    }

    private static func bigEndian(_ data: Data, _ offset: Int, _ count: Int) -> UInt64 {
        data.dropFirst(offset).prefix(count).reduce(0) { $0 << 8 | UInt64($1) }
    }
}
