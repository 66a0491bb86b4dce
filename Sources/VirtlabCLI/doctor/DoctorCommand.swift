import Services
import ArgumentParser

/// `virtlab doctor`: what this host offers for virtualization, each finding with where it was read.
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Report the host's virtualization facts: CPU extensions, /dev/kvm, what it runs on, identities, libvirt.")

    @Option(name: .long, help: "libvirt URI to check (default: the usual choice; see 'virtlab --help').")
    var uri: String?
    @Flag(help: "Print JSON instead of text.") var json = false

    struct JSONReport: Encodable {
        let hardwareVirtualization: Bool
        let report: HostReport
    }

    func run() async throws {
        let report = HostCheck.report(uri: uri)
        if json { return try Output.json(JSONReport(hardwareVirtualization: report.hardwareVirtualization, report: report)) }
        print(Self.render(report))
    }

    static func render(_ report: HostReport) -> String {
        var lines: [String] = []
        for section in report.sections {
            lines.append(section.title)
            for finding in section.findings {
                let mark = switch finding.status {
                case .ok: "[ok]  "
                case .absent: "[no]  "
                case .warning: "[warn]"
                case .unreadable: "[n/a] "
                case .info: "      "
                }
                lines.append("  \(mark) \(finding.title): \(finding.value)")
                if finding.status != .info || finding.title != "clue" { lines.append("         from \(finding.source)") }
            }
            lines.append("")
        }
        lines.append("Hardware virtualization: \(report.hardwareVirtualization ? "PASS" : "FAIL")"
                     + (report.hardwareVirtualization ? "" : " (no vmx/svm: KVM cannot run here; QEMU's TCG emulation can)"))
        return lines.joined(separator: "\n")
    }
}
