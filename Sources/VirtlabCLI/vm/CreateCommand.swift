import Services
import ArgumentParser
import Foundation
import Humanize
import Inventory

/// `virtlab vm create NAME --image IMAGE | --iso FILE | --import DISK | --pxe NETWORK`: a new VM from anything.
struct CreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create and start a VM: from a cloud image, an installer ISO, a disk, or the network.",
        discussion: """
            --image (or --from-image): a cloud image (qcow2 or raw) booted as a copy-on-write overlay with a \
            cloud-init NoCloud seed: a fresh instance-id, NAME as host name, --user with --ssh-key and sudo, the \
            guest agent started; --user-data FILE replaces virtlab's user-data. Needs qemu-img (qemu-utils) and \
            cloud-localds (cloud-image-utils).
            --iso FILE: boots the installer on FILE with a new empty disk; --import DISK: boots a disk that has an OS \
            on it; --pxe NETWORK: boots from a PXE server on that libvirt network, then the new disk. The OS is \
            detected from the ISO's volume name in osinfo-db (or named with --os ID; see 'virtlab os list'), and \
            memory, vCPUs and disk default to what it recommends, never under its minimum without a note; the disk \
            and NIC are virtio only where the OS has the drivers (else SATA and e1000e); one vCPU under TCG, as \
            virt-install does. The VM has a screen ('virtlab vm screenshot NAME') and a serial console.
            --accel auto uses KVM where the CPU shows vmx/svm and /dev/kvm works, else TCG.
            Same as: virt-install (--explain prints the line).
            """)

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var library: ImageCommand.LibraryOptions
    @Argument(help: "The new VM's name (also its host name).") var name: String
    @Option(name: [.customLong("image"), .customLong("from-image")], help: "A cloud image in the images directory, or a path.")
    var image: String?
    @Option(help: "An installer ISO image to boot, with a new empty disk.") var iso: String?
    @Option(name: .customLong("import"), help: "A disk image with an OS on it, booted as it is.") var importDisk: String?
    @Option(help: "A libvirt network with a PXE server to boot from, with a new empty disk.") var pxe: String?
    @Option(help: "The OS, as osinfo-db's short ID (default: detected from the ISO).") var os: String?
    @Option(name: .customLong("disk-size"), help: "The new disk in GiB (default: the OS's recommendation).") var diskSize: Int?
    @Flag(help: "UEFI firmware (OVMF) instead of BIOS.") var uefi = false
    @Option(help: "The boot order: hd, cdrom, network, comma-separated (default: the installer first, then the disk).")
    var boot: String?
    @Option(help: "Memory in MiB (default: the OS's recommendation; 1024 for a cloud image).") var memory: Int?
    @Option(help: "Virtual CPUs (default: 1 under TCG, else the OS's recommendation).") var vcpus: Int?
    @Option(help: "The user cloud-init creates.") var user = "virtlab"
    @Option(name: .customLong("ssh-key"), help: "A public key file for that user (e.g. ~/.ssh/id_ed25519.pub).")
    var sshKey: String?
    @Option(name: .customLong("user-data"), help: "Your own cloud-init user-data file.") var userData: String?
    @Option(help: "A libvirt network (default: user-mode networking, no bridge needed).") var network: String?
    @Option(help: "kvm, tcg or auto.") var accel = "auto"
    @Option(help: "Boot this kernel (for images without a bootloader).") var kernel: String?
    @Option(help: "With --kernel: its initrd.") var initrd: String?
    @Option(help: "With --kernel: its command line.") var cmdline: String?
    @OptionGroup var explain: ExplainOption
    @Option(name: .customLong("storage-dir"), help: "Where the overlay and seed go (default: libvirt's images directory).")
    var storageDirectory: String?

    func validate() throws {
        guard accel == "auto" || Accelerator(rawValue: accel) != nil else {
            throw ValidationError("--accel must be kvm, tcg or auto (got \(accel))")
        }
        if let memory, !(128...1_048_576).contains(memory) { throw ValidationError("--memory is in MiB: 128 to 1048576") }
        if let vcpus, !(1...256).contains(vcpus) { throw ValidationError("--vcpus must be 1 to 256") }
        if let diskSize, !(1...65536).contains(diskSize) { throw ValidationError("--disk-size is in GiB: 1 to 65536") }
        let sources = [image, iso, importDisk, pxe].compactMap { $0 }
        guard sources.count == 1 else {
            throw ValidationError("give one of --image, --iso, --import or --pxe: where the VM's OS comes from")
        }
        if image == nil && (sshKey != nil || userData != nil || kernel != nil) {
            throw ValidationError("--ssh-key, --user-data and --kernel are for a cloud image (--image)")
        }
        if image != nil && (os != nil || diskSize != nil || uefi || boot != nil) {
            throw ValidationError("--os, --disk-size, --uefi and --boot are for --iso, --import and --pxe; a cloud image brings its own")
        }
    }

    func run() async throws {
        let host = try connection.open().0
        guard let image else { return try await install(on: host) }
        let base: DiskImage
        do { base = try library.library.find(image) } catch let failure as ImageLibrary.Failure {
            throw UserFacingError(failure.description)
        }
        var request = CloudLaunch.Request(name: name)
        (request.memoryMiB, request.vcpus, request.user, request.network) = (memory ?? 1024, vcpus ?? 1, user, network)
        (request.kernel, request.initrd, request.kernelCommandLine) = (kernel, initrd, cmdline)
        (request.sshKeyFile, request.userDataFile, request.storageDirectory) = (sshKey, userData, storageDirectory)
        request.accelerator = Accelerator(rawValue: accel)
        let spec = try CloudLaunch.spec(request, image: base, uri: host.uri)
        let command = EquivalentCommand.launch(name: name, image: base.path, memoryMiB: memory ?? 1024, uri: host.uri)
        try await ActionRunner.record(host.uri, "create \(name) from \((base.path as NSString).lastPathComponent)", command,
                                      explain: explain.explain) {
            let launched = try CloudLaunch.launch(spec, on: host)
            return """
                created and started \(launched.name) (\(launched.accelerator == .kvm ? "KVM" : "TCG emulation"))
                  disk:  \(launched.overlay) (overlay on \(base.path))
                  seed:  \(launched.seed)
                  watch: select it in the dashboard and press c for its serial console
                """
        }
    }

    /// --iso, --import, --pxe: sized from osinfo-db, said before it is made.
    private func install(on host: Hypervisor) async throws {
        let source: InstallSpec.Source = iso.map { .iso($0) } ?? importDisk.map { .importDisk($0) } ?? .pxe(network: pxe ?? "")
        var request = NewMachine.Request(name: name, source: source)
        (request.os, request.memoryMiB, request.vcpus, request.diskGiB) = (os, memory, vcpus, diskSize)
        (request.uefi, request.network, request.storageDirectory) = (uefi, network, storageDirectory)
        request.bootOrder = boot.map { $0.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) } }
        request.accelerator = Accelerator(rawValue: accel)
        let plan = try NewMachine.plan(request, catalog: try OSCatalog.installed(), uri: host.uri)
        let command = ShellWords.line(plan.virtInstall(uri: host.uri))
        if !explain.explain { plan.notes.forEach(Output.note) }
        let from = iso ?? importDisk ?? "the network \(pxe ?? "")"
        try await ActionRunner.record(host.uri, "create \(name) from \((from as NSString).lastPathComponent)", command,
                                      explain: explain.explain) {
            let made = try NewMachine.create(plan, on: host)
            let spec = plan.spec
            let os = plan.os.map { "\($0.name) (\($0.shortID), \(plan.osSource ?? "named"))" } ?? "an OS osinfo-db was not told of"
            let disk = spec.virtio ? "virtio" : "SATA"
            return """
                created and started \(made.name) (\(spec.accelerator == .kvm ? "KVM" : "TCG emulation")) from \(from): \(os)
                  memory \(Units.bytes(Double(spec.memoryMiB) * 1_048_576)), \(spec.vcpus) vCPU\(spec.vcpus == 1 ? "" : "s"), \
                \(spec.uefi ? "UEFI" : "BIOS"), disk \(made.disk) (\(disk)), NIC \(spec.virtio ? "virtio" : "e1000e")
                  its screen: virtlab vm screenshot \(made.name), or v on it in the dashboard (keys typed there go to it)
                  its serial console: virsh console \(made.name), kept in \(made.serialLog)
                """
        }
    }
}
