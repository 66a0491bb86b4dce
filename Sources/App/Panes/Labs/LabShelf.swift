import LabFormat

/// What the labs found, for `Message.labsLoaded`: the labs, each student's values and saved progress (by lab
/// id), their questions, and the files that do not load.
public struct LabShelf: Sendable {
    public let labs: [Lab]
    public let parameters: [String: Parameters]
    public let progress: [String: LabReport]
    public let questions: [String: [LabQuestion]]
    public let problems: [String]

    public init(labs: [Lab], parameters: [String: Parameters], progress: [String: LabReport],
                questions: [String: [LabQuestion]] = [:], problems: [String]) {
        (self.labs, self.parameters, self.progress, self.questions, self.problems) = (labs, parameters, progress, questions, problems)
    }
}
