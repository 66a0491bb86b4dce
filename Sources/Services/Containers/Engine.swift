import BlockingWork
import ContainerKit
import Foundation
import Inventory
import TermCurses

public typealias ContainerSummary = ContainerKit.ContainerSummary
public typealias ContainerImage = ContainerKit.ContainerImage
public typealias ShellEnd = ContainerKit.ShellEnd
public typealias OutputFrames = ContainerKit.OutputFrames
public typealias ExecResult = ContainerKit.ExecResult
public typealias ContainerSpec = ContainerKit.ContainerSpec
public typealias PortToPublish = ContainerKit.PortToPublish

/// The container engine (Docker, or Podman's API service) as the use cases take it: `virtlab ct …`, `virtlab ls`
/// and the Containers pane.
public struct Engine: Sendable {
    let client: EngineClient
    /// Where it answers, e.g. "unix:///run/podman/podman.sock".
    public var uri: String { client.endpoint.uri }

    /// An engine already connected (the dashboard keeps one).
    public init(client: EngineClient) { self.client = client }

    /// Connects and runs `body`; the engine's failures become one line that starts "cannot ATTEMPT: …" (a missing
    /// container adds where to look).
    public static func using<T: Sendable>(_ attempt: String, _ body: @escaping @Sendable (Engine) async throws -> T)
        async throws -> T
    {
        do {
            let (client, _) = try await EngineClient.connect()
            return try await body(Engine(client: client))
        } catch let error as EngineError {
            let hint = error.kind == .notFound ? " (run 'virtlab ct ls' to see the containers)" : ""
            throw UserFacingError(error.kind == .noEngine || error.kind == .notAnEngine || error.kind == .tooOld
                ? "cannot \(attempt): \(error.message)" : "cannot \(attempt): \(UserMessage.oneLine(error.message))\(hint)")
        }
    }

    public func containers(includeStopped: Bool = true) async throws -> [ContainerSummary] {
        try await client.containers(includeStopped: includeStopped)
    }

    public func images() async throws -> [ContainerImage] { try await client.images() }

    /// Makes an image from a root file system tarball (`podman import`).
    public func importImage(rootFileSystem file: String, as reference: String, command: [String]) async throws {
        try await client.importImage(rootFileSystem: file, as: reference, command: command)
    }

    /// Creates (does not start) a container from an image already here; returns its id.
    public func create(_ spec: ContainerSpec) async throws -> String { try await client.create(spec) }

    /// Does the action to the container (by name or id) once the table allows it in its state; returns what the
    /// user is told.
    public func perform(_ action: ContainerAction, on container: String) async throws -> String {
        do {
            return try await action.perform(on: EngineContainer(client: client, name: container))
        } catch let refused as ActionRefused {
            throw UserFacingError("\(refused) (run 'virtlab ct ls' to see the containers)")
        }
    }

    /// The container's output, at most `tail` lines from the end (and 1 MiB).
    public func logs(_ container: String, tail: Int) async throws -> OutputFrames { try await client.logs(container, tail: tail) }

    /// Runs a command to its end and returns what it printed (64 KiB at most each) and its status.
    public func run(_ argv: [String], in container: String) async throws -> ExecResult {
        try await client.exec(container, argv, timeout: .seconds(24 * 3600))
    }

    /// A command started with a terminal in the container, ready to be given the user's.
    public func terminal(_ argv: [String], in container: String) async throws -> ContainerTerminal {
        ContainerTerminal(client: client, execID: try await client.createExec(container, argv, terminal: true))
    }
}

/// A command in a container with a terminal of its own (a shell): the user's terminal is relayed to it, in raw
/// mode, until it ends or the user presses Ctrl-].
public struct ContainerTerminal: Sendable {
    let client: EngineClient
    let execID: String

    /// Relays until the end; blocks, so it runs on a thread of its own (or the dashboard's loop with the terminal
    /// handed over).
    public func attach() throws -> ShellEnd {
        let session = try ExecTerminal.attach(endpoint: client.endpoint, execID: execID)
        if let size = terminalSize(of: STDOUT_FILENO) {
            let (client, execID) = (client, execID)
            Task { try? await client.resizeExec(execID, rows: size.rows, columns: size.columns) }
        }
        return RawMode.run { session.relay(input: STDIN_FILENO, output: STDOUT_FILENO) }
    }

    /// `attach` on the blocking pool, for a caller on Swift's cooperative pool (the command line).
    public func relay() async throws -> ShellEnd { try await BlockingPool.run { try attach() } }

    /// The command's exit status, once it has ended (nil when the engine cannot say).
    public func exitCode() async -> Int32? { try? await client.execExitCode(execID) }
}

/// One container as the container actions of the table see it (`ContainerControl`).
private struct EngineContainer: ContainerControl {
    let client: EngineClient
    let name: String

    func state() async throws -> ContainerRunState? {
        try await client.containers(includeStopped: true).first { $0.name == name || $0.id.hasPrefix(name) }
            .map { ContainerRunState($0.state) }
    }

    func start() async throws { try await client.start(name) }
    func stop(graceSeconds: Int) async throws { try await client.stop(name, graceSeconds: graceSeconds) }
    func restart(graceSeconds: Int) async throws { try await client.restart(name, graceSeconds: graceSeconds) }
    func pause() async throws { try await client.pause(name) }
    func unpause() async throws { try await client.unpause(name) }
    func remove(force: Bool) async throws { try await client.remove(name, force: force) }
}
