import Classroom
import Inventory
import Runtime
import Services

/// The class port on a class directory: the board from its gradebook, live grading over ssh, reports —
/// the same use cases `virtlab class grade` runs.
struct GradebookClass: ClassPort {
    let service: ClassService

    func board() async throws -> ClassBoard { try await service.board() }

    func regrade(students ids: [String]?) async throws -> ClassBoard {
        _ = try await service.gradeLive(students: ids)
        return try await board()
    }

    func report(student: String, lab: String) async throws -> String {
        try await service.report(student: student, lab: lab)
    }
}
