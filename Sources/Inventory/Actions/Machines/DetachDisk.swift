/// `virtlab vm disk detach`; the hardware dialog (`e`) in the Machines pane. The image file stays.
public struct DetachDisk: MachineOperation {
    public static let rule = ActionRule<MachineState>(
        "detach a disk from", done: "detached a disk from",
        warning: "The guest loses the disk at once; what it had not written out is lost.",
        same: CommandTemplate("virsh detach-disk", .slot(.name), .slot(.target), .fixed("--persistent")))

    public let target: String

    public var verb: String { "detach disk \(target) from" }
    public var values: CommandTemplate.Values { CommandTemplate.Values([.target: target]) }

    public func perform(on vm: any MachineControl) throws -> String? {
        "detached \(target) from \(vm.name), \(try vm.detachDisk(target: target))"
    }
}

extension MachineAction {
    public static func detachDisk(target: String) -> MachineAction { MachineAction(DetachDisk(target: target)) }
}
