/// What a lab file may say about one check primitive: its name, its fields, whether it follows a check's
/// `target:`, and the rules its fields must keep together. The grader gives each one its meaning; the loader,
/// the JSON Schema and the format document are drawn from these alone.
public struct PrimitiveFormat: Sendable {
    public let name: String
    /// One line for the format document.
    public let summary: String
    public let fields: [String: Schema.Field]
    /// The fields in the order the document lists them.
    public let fieldOrder: [String]
    /// Looks at a system from inside, so it may run in a guest or container (`target: vm:NAME`); otherwise it
    /// asks libvirt, the engine or the host's own files.
    public let followsTarget: Bool
    /// The field naming a value this check saves for later checks (`capture`'s `as`).
    public let defines: String?
    /// Fields naming values earlier checks must have saved (`compare`'s `left` and `right`).
    public let uses: [String]
    /// A problem with the fields taken together (one of two required, at least one condition), if any.
    public let validate: @Sendable ([String: FieldValue]) -> String?

    public init(_ name: String, summary: String, followsTarget: Bool, defines: String? = nil, uses: [String] = [],
                fields: KeyValuePairs<String, Schema.Field>,
                validate: @escaping @Sendable ([String: FieldValue]) -> String? = { _ in nil }) {
        self.name = name
        self.summary = summary
        self.fields = Dictionary(fields.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        fieldOrder = fields.map(\.key)
        self.followsTarget = followsTarget
        self.defines = defines
        self.uses = uses
        self.validate = validate
    }

    /// The rule most host-fact primitives share: every field is optional, but one must be given.
    public static func needsOneCondition(_ name: String) -> @Sendable ([String: FieldValue]) -> String? {
        { $0.isEmpty ? "'\(name)' needs at least one condition" : nil }
    }
}

/// The primitives a loader accepts, by name.
public struct PrimitiveCatalog: Sendable {
    /// In the registry's order, which is the format document's.
    public let formats: [PrimitiveFormat]
    private let byName: [String: PrimitiveFormat]
    public var names: [String] { byName.keys.sorted() }
    public var targetable: [String] { formats.filter(\.followsTarget).map(\.name).sorted() }

    public init(_ formats: [PrimitiveFormat]) {
        self.formats = formats
        byName = Dictionary(formats.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public subscript(name: String) -> PrimitiveFormat? { byName[name] }
}
