import Services
import ArgumentParser
import HostDoctor
import VirtKit

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
        var report = HostReport.collect()
        report.sections.append(Self.libvirtSection(choice: ConnectionChoice.resolve(flag: uri),
                                                   hardwareVirtualization: report.hardwareVirtualization))
        if json { return try Output.json(JSONReport(hardwareVirtualization: report.hardwareVirtualization, report: report)) }
        print(Self.render(report))
    }

    static func libvirtSection(choice: ConnectionChoice, hardwareVirtualization: Bool) -> ReportSection {
        var findings = [Finding(.info, "libvirt library", Libvirt.libraryVersion, source: "virGetVersion")]
        do {
            let conn = try Connection(uri: choice.uri, readOnly: true)
            let hypervisor = try conn.hypervisor()
            findings.append(Finding(choice.isDemo ? .warning : .ok, "Connection",
                                    "\(choice.uri) answers (\(choice.source.rawValue))", source: "virConnectOpenReadOnly"))
            findings.append(Finding(.info, "Hypervisor", "\(hypervisor.type) \(hypervisor.version), libvirt daemon "
                                    + hypervisor.libvirtVersion, source: "virConnectGetVersion"))
            let types = (try? conn.guestDomainTypes()) ?? []
            let typeList = types.isEmpty ? "none reported" : types.joined(separator: ", ")
            let typesFinding = switch (types.contains("kvm"), hardwareVirtualization) {
            case (true, true): Finding(.ok, "Domain types offered", typeList, source: "virConnectGetCapabilities")
            case (true, false): Finding(.warning, "Domain types offered", typeList
                                        + " (kvm is offered, but without vmx/svm a KVM guest may hang: use type qemu, TCG)",
                                        source: "virConnectGetCapabilities")
            case (false, _): Finding(.info, "Domain types offered", typeList + " (no kvm: guests use TCG emulation)",
                                     source: "virConnectGetCapabilities")
            }
            findings.append(typesFinding)
            if let note = choice.demoNote { findings.append(Finding(.warning, "Demo", note, source: "connection choice")) }
        } catch {
            findings.append(Finding(.absent, "Connection", UserMessage.line(for: error), source: choice.uri))
        }
        return ReportSection(title: "libvirt", findings: findings)
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
