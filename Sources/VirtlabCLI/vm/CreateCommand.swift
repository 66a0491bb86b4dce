import Services
import ArgumentParser
import Foundation
import Inventory

/// `virtlab vm create NAME --from-image IMAGE`: a VM from a cloud image, configured by cloud-init.
struct CreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Create and start a VM from a cloud image (qcow2 or raw) with cloud-init.",
        discussion: """
            The VM boots a copy-on-write overlay of the image (the image itself is never written) with a NoCloud \
            seed: a fresh instance-id, NAME as host name, --user with --ssh-key and sudo, and the guest agent \
            started. --user-data FILE replaces virtlab's user-data. Needs qemu-img (qemu-utils) and cloud-localds \
            (cloud-image-utils). --accel auto uses KVM where the CPU shows vmx/svm and /dev/kvm works, else TCG.
            """)

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var library: ImageCommand.LibraryOptions
    @Argument(help: "The new VM's name (also its host name).") var name: String
    @Option(name: .customLong("from-image"), help: "An image in the images directory, or a path.") var image: String
    @Option(help: "Memory in MiB.") var memory = 1024
    @Option(help: "Virtual CPUs.") var vcpus = 1
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
        guard (128...1_048_576).contains(memory) else { throw ValidationError("--memory is in MiB: 128 to 1048576") }
        guard (1...256).contains(vcpus) else { throw ValidationError("--vcpus must be 1 to 256") }
    }

    func run() async throws {
        let host = try connection.open().0
        let base: DiskImage
        do { base = try library.library.find(image) } catch let failure as ImageLibrary.Failure {
            throw UserFacingError(failure.description)
        }
        var request = CloudLaunch.Request(name: name)
        (request.memoryMiB, request.vcpus, request.user, request.network) = (memory, vcpus, user, network)
        (request.kernel, request.initrd, request.kernelCommandLine) = (kernel, initrd, cmdline)
        (request.sshKeyFile, request.userDataFile, request.storageDirectory) = (sshKey, userData, storageDirectory)
        request.accelerator = Accelerator(rawValue: accel)
        let spec = try CloudLaunch.spec(request, image: base, uri: host.uri)
        let command = EquivalentCommand.launch(name: name, image: base.path, memoryMiB: memory, uri: host.uri)
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
}
