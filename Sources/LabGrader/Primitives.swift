import BlockingWork
import ProcessRunner
import LabFormat

/// One check primitive: what a lab file may say about it and what it means. A new primitive is one file in
/// Primitives/ conforming to this, and one line in `Primitives.all`; the loader, `virtlab lab schema` and
/// the format document pick it up from there.
protocol CheckPrimitive: Sendable {
    static var format: PrimitiveFormat { get }
    /// Judges one attempt. The fields and target come with the student's parameters filled in. Blocking work
    /// (a process, a libvirt call) goes through `evaluator.run` or `BlockingPool.run`, never on the pool.
    static func evaluate(_ fields: [String: FieldValue], on target: Target, timeout: Double,
                         with evaluator: Evaluator) async -> Verdict
}

/// The registry of check primitives, in the order the format document lists them.
public enum Primitives {
    static let all: [any CheckPrimitive.Type] = [
        CommandPrimitive.self,
        FilePrimitive.self,
        CPUFlagsPrimitive.self,
        KVMPrimitive.self,
        VirtDetectPrimitive.self,
        DomainPrimitive.self,
        NetworkPrimitive.self,
        ReachablePrimitive.self,
        PoolPrimitive.self,
        ContainerPrimitive.self,
        ImagePrimitive.self,
        CloudInitPrimitive.self,
        CapturePrimitive.self,
        ComparePrimitive.self,
        JSONPathPrimitive.self,
        XPathPrimitive.self,
        QuestionPrimitive.self,
    ]

    /// What the loader, the JSON Schema and the format document accept.
    public static let catalog = PrimitiveCatalog(all.map { $0.format })

    static let byName: [String: any CheckPrimitive.Type] = Dictionary(all.map { ($0.format.name, $0) },
                                                                      uniquingKeysWith: { first, _ in first })
}

extension LabLoader {
    /// Loads a lab file against the primitives the grader knows.
    public static func load(file: String) -> (lab: Lab?, diagnostics: [LabDiagnostic]) {
        load(file: file, primitives: Primitives.catalog)
    }

    public static func parse(_ text: String, file: String) -> (lab: Lab?, diagnostics: [LabDiagnostic]) {
        parse(text, file: file, primitives: Primitives.catalog)
    }
}
