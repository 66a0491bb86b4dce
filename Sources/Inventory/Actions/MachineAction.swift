/// One VM, as a VM action sees it: the port the services implement over libvirt. Each method is one hypervisor
/// call (or a short sequence that cleans up after itself); what the user is told is the action's business.
public protocol MachineControl {
    var name: String { get }
    func state() throws -> MachineState
    func start() throws
    func shutdown() throws
    func reboot() throws
    func forceOff() throws
    func reset() throws
    func pause() throws
    func resume() throws
    /// Returns the new snapshot's state word ("running", "shutoff").
    func createSnapshot(_ snapshot: String, description: String?) throws -> String
    func revert(toSnapshot snapshot: String) throws
    /// Returns what became of its children, in a sentence (empty when it had none).
    func deleteSnapshot(_ snapshot: String) throws -> String
    /// Returns the clone's name.
    func clone(as newName: String, sanitize: Bool) throws -> String
    func undefine(removeStorage: Bool) throws -> (removed: [String], keptOutsidePools: [String])
    func setAutostart(_ on: Bool) throws
    /// These return when the change takes effect, in words ("live and from the next boot").
    func setVCPUs(_ count: Int) throws -> String
    func setMemory(mebibytes: Int) throws -> String
    /// A new disk is made first and removed again if attaching fails; returns the image's format and when.
    func attachDisk(_ disk: DiskToAttach) throws -> (format: String, when: String)
    func detachDisk(target: String) throws -> String
    /// Returns the new NIC's MAC.
    func attachNIC(network: String) throws -> String
    func detachNIC(mac: String) throws
    /// A host device (PCI address or USB bus:device) given to the VM or taken back; returns what was done, in words.
    func attachHostDevice(_ device: String) throws -> String
    func detachHostDevice(_ device: String) throws -> String
}

/// A VM action: one file each under `Machines/`, listed once in `MachineAction.table`.
public protocol MachineOperation: TableAction where State == MachineState {
    /// Does it (the state was checked); returns what the user is told, or nil for the rule's "done" words.
    func perform(on vm: any MachineControl) throws -> String?
    /// It adds or removes VMs, volumes or files, so the slower lists (pools, images) are read again.
    var changesStorage: Bool { get }
}

extension MachineOperation {
    public var changesStorage: Bool { false }
}

/// A VM action as the dashboard and the command line pass it around: any one of the table's, with its values.
public struct MachineAction: Sendable, Equatable {
    public let operation: any MachineOperation

    public init(_ operation: any MachineOperation) { self.operation = operation }

    /// Every VM action, once. A new action is a file under `Machines/` and a line here.
    public static let table: [any MachineOperation.Type] = [
        StartVM.self, ShutdownVM.self, RebootVM.self, ForceOffVM.self, PauseVM.self, ResumeVM.self,
        TakeSnapshot.self, RevertSnapshot.self, DeleteSnapshot.self, CloneVM.self, DeleteVM.self, SetAutostart.self,
        SetVCPUs.self, SetMemory.self, AttachDisk.self, DetachDisk.self, AttachNIC.self, DetachNIC.self,
        ResetVM.self, AttachHostDevice.self, DetachHostDevice.self,
    ]

    public var rule: ActionRule<MachineState> { type(of: operation).rule }
    public var verb: String { operation.verb }
    public var warning: String? { operation.warning }
    public var changesStorage: Bool { operation.changesStorage }

    public func command(for name: String, uri: String? = nil) -> String { operation.command(for: name, uri: uri) }

    /// Checks the table allows it from the VM's state (else `ActionRefused`), does it, and says what happened.
    public func perform(on vm: any MachineControl) throws -> String {
        if let why = rule.refusal(vm.name, try vm.state()) { throw ActionRefused(why) }
        return try operation.perform(on: vm) ?? "\(rule.done) \(vm.name)"
    }

    public static func == (lhs: MachineAction, rhs: MachineAction) -> Bool { lhs.operation.isSame(as: rhs.operation) }
}
