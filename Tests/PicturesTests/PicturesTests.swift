import Foundation
import Pictures
import Testing
import TermUI
import TestTags

/// PNG and PPM as a guest's screenshot comes, read into pixels and drawn as cells.
@Suite(.tags(.pure)) struct PicturesTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static func fixture(_ name: String) throws -> Data { try Data(contentsOf: fixtures.appendingPathComponent(name)) }

    /// A real screenshot (libvirt 9.0 and QEMU 7.2 send PNG; its rows use filters 0, 1, 2 and 4): the kernel's boot
    /// messages in VGA text mode, grey on black, counted as Python's zlib and its own unfilter counted them.
    @Test func aRealGuestScreenshotDecodes() throws {
        let picture = try PNG.decode(try Self.fixture("guest-boot-console.png"))
        #expect(picture.width == 720 && picture.height == 400)
        var counts: [[UInt8]: Int] = [:]
        for index in stride(from: 0, to: picture.rgb.count, by: 3) { counts[Array(picture.rgb[index ..< index + 3]), default: 0] += 1 }
        #expect(counts == [[0, 0, 0]: 256_750, [168, 168, 168]: 31_250])
    }

    /// The Average filter, RGBA (alpha dropped) and greyscale, each 4×3 with known pixels.
    @Test func everyFilterAndColourTypeVirtlabReads() throws {
        var expected: [UInt8] = []
        for y in 0 ..< 3 {
            for x in 0 ..< 4 {
                let red = (x * 60 + y * 20) % 256, green = (y * 100 + x) % 256, blue = 200 - x * 10 - y
                expected += [UInt8(red), UInt8(green), UInt8(blue)]
            }
        }
        #expect(try PNG.decode(try Self.fixture("average-filter-rgb.png")).rgb == expected)
        #expect(try PNG.decode(try Self.fixture("sub-filter-rgba.png")).rgb == expected)
        let grey = try PNG.decode(try Self.fixture("grey.png"))
        #expect(grey.rgb.count == 36 && grey.rgb[9 ..< 12] == [210, 210, 210][...] && grey.rgb[12 ..< 15] == [5, 5, 5][...])
    }

    @Test func whatIsWrittenReadsBackTheSame() throws {
        let picture = try PNG.decode(try Self.fixture("guest-boot-console.png"))
        #expect(try PNG.decode(PNG.encode(picture)) == picture)
        let ppm = Data("P6\n# QEMU\n2 1\n255\n".utf8) + Data([255, 0, 0, 0, 0, 255])
        #expect(try PPM.decode(ppm).rgb == [255, 0, 0, 0, 0, 255])
    }

    @Test func badFilesAreOneLineErrors() throws {
        let real = try Self.fixture("guest-boot-console.png")
        let cases: [(Data, String)] = [
            (Data("GIF89a".utf8), "not a PNG file"),
            (real.prefix(2000), "a PNG chunk runs past the end of the file"),
            (real.prefix(100) + Data(repeating: 0xFF, count: 100) + real.dropFirst(200), "a PNG whose image data does not inflate"),
            (real.prefix(8) + real.dropFirst(33), "a PNG file without its header chunk"),
            (Data("P6\n2 2\n255\n".utf8) + Data([1, 2, 3]), "a PPM file shorter than its 2×2 pixels"),
            (Data("P3\n2 2\n255\n".utf8), "not a binary PPM file of 8-bit RGB"),
        ]
        for (data, said) in cases {
            do {
                _ = data.starts(with: Data("P".utf8)) ? try PPM.decode(data) : try PNG.decode(data)
                Issue.record("\(said): decoded")
            } catch let error as PictureError {
                #expect(error.description.hasPrefix(said), "\(error)")
            }
        }
    }
}

/// A picture as terminal cells: its shape kept in the space given, two pixels a cell, colours to xterm's 256.
@Suite(.tags(.pure)) struct PictureCellsTests {
    @Test func aScreenFitsEightyByTwentyFourKeepingItsShape() throws {
        let picture = try PNG.decode(try PicturesTests.fixture("guest-boot-console.png"))
        let (size, cells) = picture.cells(fitting: Size(width: 80, height: 23), .halfBlocks)
        // 720×400 is 9:5; a cell is two pixels tall, so 80 columns take 80 × 5/9 / 2 ≈ 22.2 → 23 rows.
        #expect(size == Size(width: 80, height: 23) && cells.count == 80 * 23)
        #expect(cells.allSatisfy { $0.text == "▀" })
        let tall = picture.cells(fitting: Size(width: 200, height: 10), .halfBlocks).size
        #expect(tall == Size(width: 36, height: 10), "the height bounds it: 10 rows × 2 × 9/5 = 36 columns")
    }

    @Test func eachCellShowsTheColoursOfItsTwoHalves() throws {
        // Top row red, bottom row blue, two pixels wide.
        let picture = try #require(Picture(width: 2, height: 2, rgb: [255, 0, 0, 255, 0, 0, 0, 0, 255, 0, 0, 255]))
        let (size, cells) = picture.cells(fitting: Size(width: 2, height: 5), .halfBlocks)
        #expect(size == Size(width: 2, height: 1))
        #expect(cells[0].style.foreground == .indexed(196) && cells[0].style.background == .indexed(21))
        let grey = try #require(Picture(width: 1, height: 2, rgb: [128, 128, 128, 128, 128, 128]))
        #expect(grey.cells(fitting: Size(width: 1, height: 1), .halfBlocks).cells[0].style.foreground == .indexed(244))
    }

    @Test func withoutColourEachCellIsACharacterOfItsDarkness() throws {
        let picture = try #require(Picture(width: 4, height: 2, rgb: [0, 0, 0, 255, 255, 255, 0, 0, 0, 255, 255, 255]
                                                                      + [0, 0, 0, 255, 255, 255, 0, 0, 0, 255, 255, 255]))
        let (size, cells) = picture.cells(fitting: Size(width: 4, height: 4), .characters)
        #expect(size == Size(width: 4, height: 1))
        #expect(cells.map(\.text).joined() == " @ @" && cells.allSatisfy { $0.style == .plain })
    }
}
