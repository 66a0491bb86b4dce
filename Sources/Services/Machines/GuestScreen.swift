import ContainerKit
import Foundation
import Pictures
import TermUI
import VirtKit

public typealias Picture = TermUI.Picture

/// What a guest's display shows now: the picture, and the file as a PNG.
public struct GuestScreen: Sendable {
    public let picture: Picture
    public let png: Data
}

extension Hypervisor {
    /// The guest's display now (`virsh screenshot`), decoded. A VM that does not run, or has no display, is an error
    /// that says so and what to do.
    public func screen(of vm: VM) throws -> GuestScreen {
        let shot: Screenshot
        do {
            shot = try vm.domain.screenshot()
        } catch let error as LibvirtError {
            // libvirt says both with "operation invalid": the words tell them apart.
            if error.message.contains("no screens") {
                throw UserFacingError("\(vm.name) has no display (no <video> device): it has a serial console instead "
                                      + "(virtlab vm console \(vm.name))")
            }
            if error.kind == .invalidInCurrentState || error.message.contains("not running") {
                throw UserFacingError("\(vm.name) is not running: start it to see its screen (virtlab vm start \(vm.name))")
            }
            throw error
        }
        do {
            switch shot.mimeType {
            case "image/png":
                return GuestScreen(picture: try PNG.decode(shot.data), png: shot.data)
            case "image/x-portable-pixmap":
                let picture = try PPM.decode(shot.data)
                return GuestScreen(picture: picture, png: PNG.encode(picture))
            default:
                throw UserFacingError("the screenshot of \(vm.name) came as \(shot.mimeType), which virtlab cannot read")
            }
        } catch let error as PictureError {
            throw UserFacingError("the screenshot of \(vm.name) cannot be read: \(error)")
        }
    }
}

extension Hypervisor {
    /// Presses the keys together on the guest's keyboard (Linux key codes: KEY_LEFTCTRL is 29).
    public func sendKeys(_ codes: [UInt32], to vm: VM) throws { try vm.domain.sendKeys(codes) }
}

/// The size of the terminal on standard output, where it is one.
public enum TerminalWindow {
    public static func size() -> Size? {
        terminalSize(of: STDOUT_FILENO).map { Size(width: $0.columns, height: $0.rows) }
    }
}
