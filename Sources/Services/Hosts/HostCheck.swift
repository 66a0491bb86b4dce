import HostDoctor
import VirtKit

public typealias HostReport = HostDoctor.HostReport
public typealias ReportSection = HostDoctor.ReportSection
public typealias Finding = HostDoctor.Finding

/// `virtlab doctor`: what this host offers for virtualization, each finding with where it was read, and what the
/// chosen libvirt connection answers.
public enum HostCheck {
    public static func report(uri: String?) -> HostReport {
        var report = HostReport.collect()
        report.sections.append(libvirtSection(choice: ConnectionChoice.resolve(flag: uri),
                                              hardwareVirtualization: report.hardwareVirtualization))
        return report
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
}
