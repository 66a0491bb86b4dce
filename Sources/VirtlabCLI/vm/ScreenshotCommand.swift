import ArgumentParser
import Foundation
import Services
import TermUI

/// `virtlab vm screenshot NAME [-o FILE.png]`: what a guest's display shows, as a file or as a picture in the terminal.
struct ScreenshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "screenshot",
        abstract: "Show what a VM's display shows, in the terminal or as a PNG file.",
        discussion: """
            Without -o the picture is drawn in the terminal, fitted to its size: two pixels a cell with Unicode \
            half-blocks in 256 colours, or one character a cell from a ramp of darkness with --ascii, when NO_COLOR \
            is set, or when the output is not a terminal. The VM must run and have a display (a <video> device); \
            one with only a serial console has 'virtlab vm console' instead.
            Same as: virsh screenshot NAME FILE.png
            """)

    @OptionGroup var target: VMCommand.Target
    @Option(name: [.short, .customLong("output")], help: "Write the picture to this PNG file instead.") var output: String?
    @Flag(help: "Plain characters, no colour.") var ascii = false
    @Option(help: "Draw it this many columns wide at most (default: the terminal's width).") var width: Int?

    func validate() throws {
        if let width, width < 1 { throw ValidationError("--width must be at least 1 column") }
        if let output, !output.lowercased().hasSuffix(".png") {
            throw ValidationError("-o names a PNG file: end it with .png (\(output))")
        }
    }

    func run() async throws {
        let (host, vm) = try target.vm()
        let screen = try host.screen(of: vm)
        if let output {
            do {
                try screen.png.write(to: URL(fileURLWithPath: output), options: .atomic)
            } catch {
                throw UserFacingError("cannot write \(output): \((error as NSError).localizedDescription)")
            }
            return print("wrote \(output): \(screen.picture.width)×\(screen.picture.height) pixels of \(vm.name)'s display")
        }
        let window = TerminalWindow.size()
        let plain = ascii || ProcessInfo.processInfo.environment["NO_COLOR"].map { !$0.isEmpty } == true || window == nil
        // A line is kept for the shell's prompt under the picture.
        let bounds = Size(width: width ?? window?.width ?? 80, height: max(1, (window?.height ?? 24) - 1))
        print(Self.text(screen.picture, fitting: bounds, plain ? .characters : .halfBlocks), terminator: "")
    }

    /// The picture as terminal text: half-blocks with 256-colour escapes, or plain characters.
    static func text(_ picture: Picture, fitting bounds: Size, _ rendering: Picture.Rendering) -> String {
        let (size, cells) = picture.cells(fitting: bounds, rendering)
        var text = ""
        for row in 0 ..< size.height {
            for cell in cells[row * size.width ..< (row + 1) * size.width] {
                if rendering == .halfBlocks {
                    text += "\u{1B}[38;5;\(colourIndex(cell.style.foreground))m\u{1B}[48;5;\(colourIndex(cell.style.background))m"
                }
                text += cell.text
            }
            text += rendering == .halfBlocks ? "\u{1B}[0m\n" : "\n"
        }
        return text
    }

    private static func colourIndex(_ colour: Color) -> UInt8 {
        switch colour {
        case .ansi(let n), .indexed(let n): n
        case .default: 0
        }
    }
}
