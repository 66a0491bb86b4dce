import CLibvirt
import CLibvirtQEMU
import Foundation

/// What a command run inside a guest through the QEMU guest agent printed and returned.
public struct GuestExecResult: Sendable, Equatable {
    public let exitCode: Int32
    public let stdout: String
    public let stderr: String
    /// The agent cut the output (it keeps a limited amount).
    public let truncated: Bool
}

/// A command run through the guest agent outlived its time and was killed.
public struct GuestExecTimeout: Error, Sendable, CustomStringConvertible {
    public let domain: String
    public let program: String
    public let seconds: Double

    public var description: String {
        "'\(program)' in '\(domain)' did not finish within \(Int(seconds)) s and was killed"
    }
}

/// The QEMU guest agent, through libvirt's agent command API (libvirt-qemu): the guest needs
/// qemu-guest-agent running and a virtio channel named org.qemu.guest_agent.0.
extension Domain {
    /// Sends one agent command (JSON) and returns the agent's JSON answer.
    public func agentCommand(_ json: String, timeoutSeconds: Int32 = 10) throws -> String {
        try check("talk to the guest agent of '\(name)'",
                  takeString(virDomainQemuAgentCommand(pointer, json, timeoutSeconds, 0)))
    }

    /// True when the agent answers a ping.
    public func agentResponds(timeoutSeconds: Int32 = 5) -> Bool {
        (try? agentCommand(#"{"execute":"guest-ping"}"#, timeoutSeconds: timeoutSeconds)) != nil
    }

    /// Runs `argv` inside the guest (no shell: the program and its arguments as given) and waits for it;
    /// `input` becomes its standard input.
    public func guestExec(_ argv: [String], input: Data? = nil, timeoutSeconds: Double = 60) throws -> GuestExecResult {
        guard let program = argv.first else { throw agentFailure("no command given") }
        var arguments: [String: Any] = ["path": program, "arg": Array(argv.dropFirst()), "capture-output": true]
        if let input { arguments["input-data"] = input.base64EncodedString() }
        let request: [String: Any] = ["execute": "guest-exec", "arguments": arguments]
        let started = try agentJSON(request)
        guard let pid = started["pid"] as? Int else { throw agentFailure("guest-exec returned no pid") }
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while true {
            let status = try agentJSON(["execute": "guest-exec-status", "arguments": ["pid": pid]])
            if status["exited"] as? Bool == true {
                let decode = { (key: String) in
                    (status[key] as? String).flatMap { Data(base64Encoded: $0) }.map {
                        String(decoding: $0, as: UTF8.self)
                    } ?? ""
                }
                return GuestExecResult(exitCode: Int32(status["exitcode"] as? Int ?? (status["signal"] != nil ? 128 : -1)),
                                       stdout: decode("out-data"), stderr: decode("err-data"),
                                       truncated: status["out-truncated"] as? Bool == true
                                           || status["err-truncated"] as? Bool == true)
            }
            guard Date() < deadline else {
                // The agent has no kill command: a second guest-exec ends what the first started.
                _ = try? agentJSON(["execute": "guest-exec", "arguments": ["path": "kill", "arg": ["-KILL", "\(pid)"]]])
                throw GuestExecTimeout(domain: name, program: program, seconds: timeoutSeconds)
            }
            // The agent's protocol has no "wait for exit": asking again is the only way (on the caller's lane).
            usleep(100_000)
        }
    }

    private func agentJSON(_ request: [String: Any]) throws -> [String: Any] {
        let text = String(decoding: try JSONSerialization.data(withJSONObject: request), as: UTF8.self)
        let answer = try agentCommand(text)
        guard let object = try? JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Any],
              let result = object["return"] as? [String: Any] else {
            throw agentFailure("unexpected answer from the guest agent: \(answer.prefix(200))")
        }
        return result
    }

    private func agentFailure(_ message: String) -> LibvirtError {
        LibvirtError(operation: "run a command in '\(name)' through its guest agent", code: -1, domain: -1,
                     message: message)
    }
}
