/// `virtlab vm disk attach`; the hardware dialog (`e`) in the Machines pane: a new qcow2 or an existing image.
public struct AttachDisk: MachineOperation {
    public static let rule = ActionRule<MachineState>(
        "attach a disk to", done: "attached a disk to",
        same: CommandTemplate([.when(.create, CommandTemplate("qemu-img create -f qcow2", .slot(.file), .slot(.sizeGiB, suffix: "G"),
                                                              .fixed("&&")).words)]
                              + CommandTemplate("virsh attach-disk", .slot(.name), .slot(.file), .slot(.target),
                                                .fixed("--subdriver"), .fixed("qcow2"), .fixed("--persistent")).words))

    public let disk: DiskToAttach

    public var verb: String { "attach \(disk.summary) to" }
    public var values: CommandTemplate.Values {
        CommandTemplate.Values([.file: disk.path, .target: disk.target, .sizeGiB: disk.newSizeGiB.map(String.init) ?? ""],
                               on: disk.newSizeGiB == nil ? [] : [.create])
    }
    public var changesStorage: Bool { true }

    public func perform(on vm: any MachineControl) throws -> String? {
        let attached = try vm.attachDisk(disk)
        let made = disk.newSizeGiB.map { "a new \($0) GiB qcow2 disk \(disk.path)" } ?? "\(disk.path) (\(attached.format))"
        return "attached \(made) to \(vm.name) as \(disk.target), \(attached.when)"
    }
}

extension MachineAction {
    public static func attachDisk(_ disk: DiskToAttach) -> MachineAction { MachineAction(AttachDisk(disk: disk)) }
}
