import Foundation

/// The lab format as a JSON Schema, drawn from the same tables the loader checks against: editors and CI
/// can validate lab files with it, and it cannot drift from what virtlab accepts.
extension Schema {
    public static func jsonSchema(primitives: PrimitiveCatalog) -> String {
        let matcher: [String: Any] = ["anyOf": [
            ["type": ["string", "number", "boolean"]],  // a YAML scalar: equals
            ["type": "object", "minProperties": 1, "additionalProperties": false,
             "properties": Dictionary(uniqueKeysWithValues: matcherKeys.sorted().map { key -> (String, Any) in
                 key == "not" ? (key, ["$ref": "#/$defs/matcher"]) : (key, ["type": ["string", "number"]])
             })],
        ]]
        let argv: [String: Any] = ["type": "array", "items": ["type": "string"], "minItems": 1]
        let command: [String: Any] = ["anyOf": [
            argv,
            ["type": "object", "additionalProperties": false, "minProperties": 1, "maxProperties": 1,
             "properties": ["argv": argv, "shell": ["type": "string"]]],
        ]]
        let action: [String: Any] = ["anyOf": [
            argv,
            ["type": "object", "additionalProperties": false, "minProperties": 1, "maxProperties": 2,
             "properties": ["argv": argv, "shell": ["type": "string"], "target": ["$ref": "#/$defs/target"]]],
        ]]
        var checkProperties = properties(check)
        var oneOf: [[String: Any]] = []
        for name in primitives.names {
            checkProperties[name] = object(primitives[name]?.fields ?? [:])
            oneOf.append(["required": [name]])
        }
        let root = object(lab, overrides: [
            "parameters": ["type": "object", "additionalProperties": ["type": "string"]],
            "requirements": ["type": "array", "items": ["enum": Requirement.allCases.map(\.rawValue)]],
            "steps": ["type": "array", "minItems": 1, "items": ["$ref": "#/$defs/step"]],
            "environment": object(environment, overrides: Dictionary(uniqueKeysWithValues: ["network", "machine", "container"].map {
                ($0 + "s", ["type": "array", "items": ["$ref": "#/$defs/\($0)"]] as [String: Any])
            })),
        ])
        var document = root
        document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        document["$id"] = "https://virtlab.example/lab.schema.json"
        document["title"] = "virtlab lab file"
        document["$defs"] = [
            "matcher": matcher, "command": command, "action": action,
            "target": ["type": "string", "pattern": "^(host|vm:.+|container:.+)$"],
            "duration": ["anyOf": [["type": "number", "minimum": 0], ["type": "string", "pattern": "^[0-9.]+(ms|s|m|h)?$"]]],
            "step": object(step, overrides: ["checks": ["type": "array", "minItems": 1, "items": ["$ref": "#/$defs/check"]]]),
            "check": ["type": "object", "additionalProperties": false, "required": required(check),
                      "properties": checkProperties, "oneOf": oneOf],
            "network": object(environmentNetwork, overrides: ["mode": ["enum": ["isolated", "nat", "route", "open"]]]),
            "machine": object(environmentMachine, overrides: ["state": ["enum": ["running", "shut off"]],
                                                              "cloud_init": object(environmentCloudInit, overrides: [:])]),
            "container": object(environmentContainer, overrides: ["state": ["enum": ["running", "exited"]]]),
        ]
        let data = try? JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys,
                                                                                   .withoutEscapingSlashes])
        return data.map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    private static func object(_ fields: [String: Field], overrides: [String: Any] = [:]) -> [String: Any] {
        var properties = properties(fields)
        for (key, value) in overrides { properties[key] = value }
        return ["type": "object", "additionalProperties": false, "required": required(fields), "properties": properties]
    }

    private static func required(_ fields: [String: Field]) -> [String] {
        fields.filter(\.value.required).map(\.key).sorted()
    }

    private static func properties(_ fields: [String: Field]) -> [String: Any] {
        fields.mapValues { field -> Any in
            var schema = type(field.type)
            schema["description"] = field.summary
            return schema
        }
    }

    private static func type(_ type: ValueType) -> [String: Any] {
        switch type {
        case .string: ["type": "string"]
        case .int: ["type": "integer"]
        case .bool: ["type": "boolean"]
        case .stringList: ["type": "array", "items": ["type": "string"]]
        case .duration: ["$ref": "#/$defs/duration"]
        case .matcher: ["$ref": "#/$defs/matcher"]
        case .command: ["$ref": "#/$defs/command"]
        case .action: ["$ref": "#/$defs/action"]
        case .mapping: ["type": "object"]
        case .list: ["type": "array"]
        }
    }
}
