import Foundation

/// A variable set in one exec's environment so that its process can be found among the host's processes
/// without the engine's help (the engine is local). Reading another user's environment needs the rights that
/// signalling its process needs anyway.
struct ExecMark {
    static let name = "VIRTLAB_EXEC"
    let variable = "\(ExecMark.name)=\(UUID().uuidString)"

    /// The processes that carry the mark now.
    func processes() -> [pid_t] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> pid_t? in
            guard let pid = pid_t(entry), pid > 1,
                  let environ = FileManager.default.contents(atPath: "/proc/\(entry)/environ")
            else { return nil }
            // Whole NUL-separated entries: the mark never matches as a prefix of a longer one.
            return environ.split(separator: 0).contains { $0.elementsEqual(variable.utf8) } ? pid : nil
        }
    }
}
