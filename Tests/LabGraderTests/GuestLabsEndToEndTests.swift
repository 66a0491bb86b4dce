import Foundation
import Testing
import TestSupport
@testable import LabGrader
import LabFormat

/// The labs that work inside guests, in the order a student takes them, on one real cloud VM (TCG):
/// start-cloud-image boots it, show-uuid and guest-drivers look inside, clone-and-sanitize clones it and
/// template generalizes the clone. Each earns nothing untouched and everything after its solution; the
/// cleanups, last lab first, leave nothing (and no points) behind. About 5 minutes.
@Suite(.serialized) struct GuestLabsEndToEndTests {
    static let cloudImage = "/var/cache/virtlab/cloud-image/debian-cloud.qcow2"
    static let order = ["start-cloud-image", "show-uuid", "guest-drivers", "clone-and-sanitize", "template"]

    @Test func everyGuestLabFailsUntouchedAndPassesAfterItsSolution() async throws {
        guard FileManager.default.fileExists(atPath: Self.cloudImage) else {
            throw QEMUTestGuest.Unavailable(description: "LOUD: no cloud image at \(Self.cloudImage): run 'make test' "
                                            + "(it runs .ci/build-cloud-image)")
        }
        // The solutions call virtlab itself, and libguestfs must not try the broken nested KVM here.
        let binDirectory = (Run.virtlabBinary as NSString).deletingLastPathComponent
        setenv("PATH", binDirectory + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"), 1)
        setenv("VIRTLAB_CLOUD_IMAGE", Self.cloudImage, 1)
        setenv("LIBGUESTFS_BACKEND", "direct", 1)
        setenv("LIBGUESTFS_BACKEND_SETTINGS", "force_tcg", 1)

        let student = "e2e\(UUID().uuidString.prefix(4).lowercased())"
        var graders: [Grader] = []
        for id in Self.order {
            let lab = try #require(LabLoader.load(file: "\(Repository.labs)/\(id).yaml").lab)
            #expect(await Requirements.unmet(lab, libvirtURI: "qemu:///system").isEmpty)
            graders.append(Grader(lab: lab, student: student, libvirtURI: "qemu:///system"))
        }

        for grader in graders {
            let lab = grader.lab
            let before = await grader.grade()
            #expect(before.earned == 0, "untouched, \(lab.id) must earn nothing:\n\(ReportFormat.text.render(before))")
            for (step, outcome) in await grader.solve() {
                #expect(outcome.status == 0 && !outcome.timedOut, "solve of \(lab.id)/\(step): \(outcome.stderr)")
            }
            let after = await grader.grade()
            #expect(after.allPassed && after.earned == lab.points, "\(ReportFormat.text.render(after))")
        }

        for grader in graders.reversed() {
            for (step, outcome) in await grader.cleanUp() {
                #expect(outcome.status == 0, "cleanup of \(grader.lab.id)/\(step): \(outcome.stderr)")
            }
        }
        let vmGone = await graders[0].grade()
        #expect(vmGone.earned == 0, "the cleanups must remove the VM:\n\(ReportFormat.text.render(vmGone))")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/virtlab-cloud-\(student)"))
    }
}
