import Services
import App
import ContainerKit
import Foundation
import Inventory
import Providers
import Runtime
import Synchronization

/// The container port on the Docker Engine API (Docker, or Podman's service).
final class EngineContainers: ContainerPort {
    private let provider = Mutex<EngineProvider?>(nil)

    func connect() async throws -> String {
        provider.withLock { $0 = nil }
        let (client, version) = try await translated { try await EngineClient.connect() }
        provider.withLock { $0 = EngineProvider(client: client, engine: version) }
        return "\(version.product) \(version.version) at \(client.endpoint.uri)"
    }

    func snapshot() async throws -> EngineSnapshot {
        let current = try engine()
        do {
            return try await current.snapshot()
        } catch {
            provider.withLock { $0 = nil }
            throw PortError(UserMessage.line(for: error))
        }
    }

    func perform(_ action: ContainerAction, _ key: MachineKey) async throws {
        let engine = Engine(client: try engine().client)
        _ = try await translated { try await engine.perform(action, on: key.uuid) }
    }

    func logs(_ name: String) async throws -> String {
        let client = try engine().client
        let frames = try await translated { try await client.logs(name, tail: 1000) }
        var text = String(decoding: frames.stdout, as: UTF8.self)
        if !frames.stderr.isEmpty { text += "\n── stderr ──\n" + String(decoding: frames.stderr, as: UTF8.self) }
        return text.isEmpty ? "(no output yet)" : text
    }

    func shell(_ name: String) async throws -> any ShellSession {
        let engine = Engine(client: try engine().client)
        // bash where the image has it, else the POSIX shell every image with a shell has.
        let argv = ["/bin/sh", "-c", "if command -v bash >/dev/null; then exec bash; else exec sh; fi"]
        return ContainerShell(terminal: try await translated { try await engine.terminal(argv, in: name) }, name: name)
    }

    private func engine() throws -> EngineProvider {
        guard let current = provider.withLock({ $0 }) else { throw PortError("no container engine") }
        return current
    }

    private func translated<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch { throw PortError(UserMessage.line(for: error)) }
    }
}

/// A shell created in a container, attached to the terminal when the loop hands it over.
private struct ContainerShell: ShellSession {
    let terminal: ContainerTerminal
    let name: String

    func attach() -> String {
        let banner = "\r\nvirtlab: shell in container \(name). Type exit or press Ctrl-] to return to virtlab.\r\n\r\n"
        FileHandle.standardOutput.write(Data(banner.utf8))
        do {
            switch try terminal.attach() {
            case .userLeft: return "left the shell in \(name) (it goes on running)"
            case .ended: return "the shell in \(name) ended"
            case .inputClosed: return "terminal input closed"
            }
        } catch {
            return "shell in \(name): " + UserMessage.line(for: error)
        }
    }
}
