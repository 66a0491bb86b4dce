import VirtKit

/// A failure the user can act on, said in one line.
public struct UserFacingError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Turns any error into one line: the thing named, what went wrong, what to do.
public enum UserMessage {
    public static func line(for error: Error) -> String {
        switch error {
        case let error as UserFacingError: return error.description
        case let error as LibvirtError: return line(for: error)
        default: return String(describing: error).replacingOccurrences(of: "\n", with: " ")
        }
    }

    public static func line(for error: LibvirtError) -> String {
        let what = "cannot \(error.operation): \(oneLine(error.message))"
        switch error.kind {
        case .noSuchDomain: return "\(what) (run 'virtlab ls' to see the VMs' names)"
        case .noSuchSnapshot: return "\(what) (run 'virtlab vm snapshot list VM' to see its snapshots)"
        case .invalidInCurrentState: return "\(what) (run 'virtlab vm info VM' to see its state)"
        case .denied:
            return error.message.contains("read only") || error.message.contains("read-only")
                ? "\(what) (the connection is read-only: run without --read-only to change anything)"
                : "\(what) (check your permissions, e.g. membership of the 'libvirt' group)"
        case .cannotConnect where error.message.contains("no connection driver"):
            return "\(what) (check the URI, e.g. qemu:///system, qemu+ssh://HOST/system or test:///default)"
        case .cannotConnect:
            return "\(what) (is libvirtd running? try 'virsh -c URI version', or --uri test:///default for the demo)"
        case .invalidDefinition: return "\(what) (fix the XML and try again)"
        case .alreadyExists: return "\(what) (pick another name or remove the existing one)"
        case .unsupported: return "\(what) (this hypervisor driver does not support it)"
        case .noSuchObject, .other: return what
        }
    }

    public static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
    }
}
