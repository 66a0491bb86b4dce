import Foundation
import Testing
import TestSupport
import TestTags

/// The gpu-virtualization lab graded on a machine that has a GPU: the PCI bus captured on a KVM guest given an
/// NVIDIA H200 (HostDoctorTests' fixture), bind-mounted over /sys/bus/pci/devices in a mount namespace of the test's
/// own. "none" is wrong there; the card's address, long or as lspci prints it, is right. (On the build machines,
/// with no GPU, ShippedLabTests proves "none" right.)
@Suite(.tags(.pure)) struct GPULabTests {
    @Test func onAMachineWithAGPUItsAddressIsTheAnswerAndNoneIsWrong() async throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("HostDoctorTests/Fixtures/firecracker-kvm-guest/sys/bus/pci/devices").path
        let student = "gpu\(UUID().uuidString.prefix(6).lowercased())"
        let answers = "/tmp/virtlab-gpu-\(student)"
        defer { try? FileManager.default.removeItem(atPath: answers) }
        let lab = ["--labs", Repository.labs, "--trust", "--student", student]
        func grade(answer: String) async throws -> String {
            let script = """
                mount --bind "$1" /sys/bus/pci/devices || exit 90
                mkdir -p \(answers) && printf '%s\\n' "$2" > \(answers)/gpus.txt
                shift 2
                "$0" lab grade gpu-virtualization --format json "$@"
                """
            let run = try await Run.command(["unshare", "--mount", "--propagation", "private", "sh", "-c", script,
                                             Run.virtlabBinary, fixture, answer] + lab)
            #expect(run.status != 90 && run.stderr.isEmpty, "\(run.stderr)")
            return run.stdout
        }
        for (answer, right) in [("none", false), ("0000:00:06.0", true), ("00:06.0 3D controller [0302]: NVIDIA", true),
                                ("0000:00:06.0\n0000:00:03.0", false)] {
            let report = try await grade(answer: answer)
            #expect(report.contains(#""got" : "gpus = 0000:00:06.0""#), "the truth is the H200 alone: \(report)")
            let match = report.components(separatedBy: #""check" : "gpus-match""#).dropFirst().first ?? ""
            #expect(match.contains(#""status" : "\#(right ? "pass" : "fail")""#), "\(answer): \(match.prefix(400))")
        }
    }
}
