/// An RGB raster, 8 bits a channel, row by row: what a guest's display showed, decoded.
public struct Picture: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// width × height × 3 bytes.
    public let rgb: [UInt8]

    public init?(width: Int, height: Int, rgb: [UInt8]) {
        guard width > 0, height > 0, rgb.count == width * height * 3 else { return nil }
        self.width = width
        self.height = height
        self.rgb = rgb
    }

    /// How a picture becomes cells: colour half-blocks (two pixels stacked in each cell, `▀` with the top as its
    /// foreground and the bottom as its background) or, where colour is off (NO_COLOR, a plain terminal), one
    /// character of a ramp of darkness per cell.
    public enum Rendering: Sendable, Equatable { case halfBlocks, characters }

    static let ramp = Array(" .:-=+*#%@")

    /// The cells that show the picture in at most `bounds`, its shape kept (a cell is about twice as tall as it is
    /// wide, so a cell row holds two pixel rows' worth of height); each cell's colour is the mean of the pixels it
    /// covers. Rows of `width` cells, `height` rows.
    public func cells(fitting bounds: Size, _ rendering: Rendering) -> (size: Size, cells: [Cell]) {
        guard bounds.width > 0, bounds.height > 0 else { return (Size(width: 0, height: 0), []) }
        // Columns × (2 × rows) samples keep the aspect when each sample is square.
        var columns = bounds.width
        var rows = Int((Double(columns) * Double(height) / Double(width) / 2).rounded(.up))
        if rows > bounds.height {
            rows = bounds.height
            columns = max(1, min(bounds.width, Int((Double(rows) * 2 * Double(width) / Double(height)).rounded())))
        }
        rows = max(1, rows)
        var cells: [Cell] = []
        cells.reserveCapacity(columns * rows)
        for row in 0 ..< rows {
            for column in 0 ..< columns {
                switch rendering {
                case .halfBlocks:
                    let top = mean(column, 2 * row, of: columns, 2 * rows)
                    let bottom = mean(column, 2 * row + 1, of: columns, 2 * rows)
                    cells.append(Cell("▀", Style(Self.indexed(top), on: Self.indexed(bottom))))
                case .characters:
                    let (r, g, b) = mean(column, row, of: columns, rows)
                    let light = (0.299 * Double(r) + 0.587 * Double(g) + 0.114 * Double(b)) / 255
                    cells.append(Cell(String(Self.ramp[min(Self.ramp.count - 1, Int(light * Double(Self.ramp.count)))])))
                }
            }
        }
        return (Size(width: columns, height: rows), cells)
    }

    /// The mean colour of the part of the picture that sample (x, y) of a `across` × `down` grid covers.
    private func mean(_ x: Int, _ y: Int, of across: Int, _ down: Int) -> (UInt8, UInt8, UInt8) {
        let left = x * width / across, right = max(left + 1, (x + 1) * width / across)
        let top = y * height / down, bottom = max(top + 1, (y + 1) * height / down)
        var sum = (0, 0, 0)
        for py in top ..< min(bottom, height) {
            var index = (py * width + left) * 3
            for _ in left ..< min(right, width) {
                sum.0 += Int(rgb[index]); sum.1 += Int(rgb[index + 1]); sum.2 += Int(rgb[index + 2])
                index += 3
            }
        }
        let count = max(1, (min(bottom, height) - top) * (min(right, width) - left))
        return (UInt8(sum.0 / count), UInt8(sum.1 / count), UInt8(sum.2 / count))
    }

    /// The nearest of xterm's 256 colours: the 6×6×6 cube or the grey ramp, whichever is closer.
    static func indexed(_ colour: (UInt8, UInt8, UInt8)) -> Color {
        let levels = [0, 95, 135, 175, 215, 255]
        let level = { (value: UInt8) -> Int in
            levels.indices.min { abs(levels[$0] - Int(value)) < abs(levels[$1] - Int(value)) } ?? 0
        }
        let (r, g, b) = (Int(colour.0), Int(colour.1), Int(colour.2))
        let cube = (level(colour.0), level(colour.1), level(colour.2))
        let cubeDistance = [(levels[cube.0], r), (levels[cube.1], g), (levels[cube.2], b)].reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        let grey = min(23, max(0, ((r + g + b) / 3 - 8 + 5) / 10))
        let greyValue = 8 + grey * 10
        let greyDistance = [r, g, b].reduce(0) { $0 + ($1 - greyValue) * ($1 - greyValue) }
        if greyDistance < cubeDistance { return .indexed(UInt8(232 + grey)) }
        return .indexed(UInt8(16 + 36 * cube.0 + 6 * cube.1 + cube.2))
    }
}
