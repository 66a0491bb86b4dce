import App
import Foundation
import Inventory

/// The machine ports' effects: each runs on its connection's lane and answers with a message.
extension DashboardRuntime {
    nonisolated func connect(_ link: Link) {
        let (port, lane, uri) = (link.port, link.lane, link.uri)
        Task {
            do {
                try await lane.run { try port.connect { [weak self] event in self?.post(.machineEvent(event)) } }
                logger.info("connected to \(uri)")
                post(.reconnected(connection: uri))
            } catch {
                logger.warning("connection to \(uri) failed: \(userLine(error))")
                post(.connectionFailed(connection: uri, userLine(error)))
            }
        }
    }

    /// One sample of the connection's machines: the rows in view measured in full, and the selected VM's
    /// per-device numbers with it (no call of their own).
    func refresh(_ link: Link) {
        let (port, lane, uri) = (link.port, link.lane, link.uri)
        let wanted = state.machinesToMeasure(rows: terminal.size.height)
        let selected = state.focus == .machines ? state.selectedMachineSample.flatMap {
            $0.key.connection == uri && $0.state.isActive ? $0.key : nil
        } : nil
        Task.detached { [self] in
            defer { post(.refreshDone(connection: uri)) }
            do {
                let (snapshot, devices) = try await lane.run {
                    let snapshot = try port.snapshot(completing: wanted)
                    return (snapshot, selected.flatMap { port.devices($0) })
                }
                if let selected, let devices { post(.devices(selected, devices)) }
                if !firstSnapshotLogged.exchange(true, ordering: .relaxed) {
                    logger.info("first snapshot: \(snapshot.machines.count) machines")
                }
                post(.snapshot(snapshot))
            } catch {
                if await lane.run({ port.isAlive }) {
                    post(.refreshFailed(userLine(error)))
                } else {
                    logger.warning("connection to \(uri) lost: \(userLine(error))")
                    post(.connectionFailed(connection: uri, userLine(error)))
                }
            }
        }
    }

    /// Runs `body` with the link's port on its lane and posts what it returns; a failure becomes one line in
    /// the status bar. An action is logged either way.
    nonisolated func onMachines(_ link: Link, logged: (connection: String, what: String, command: String)?,
                    _ body: @escaping @Sendable (MachinePort) throws -> Message) {
        let (port, lane) = (link.port, link.lane)
        Task {
            do {
                let message = try await lane.run { try body(port) }
                if case .actionFinished(let line) = message {
                    if logged == nil { logger.info("\(line)") }
                    record(logged, .done(line))
                }
                post(message)
            } catch {
                let line = userLine(error)
                if logged == nil { logger.error("\(line)") }
                record(logged, .failed(line))
                post(.actionFailed(line))
            }
        }
    }

    /// The VMs moved one at a time, each logged with its line; the first failure (a refusal, libvirt's error, a
    /// cancel) ends the run, so a cancel stops the ones after it too. Off the loop's lane, as every port call.
    nonisolated func migrate(_ targets: [MachineRef], to destination: String) {
        let task = Task { [self] in
            var said = ""
            var failed = false
            for target in targets {
                let port = link(target.key.connection).port
                let logged = (connection: target.key.connection, what: "migrate \(target.name) to \(destination)",
                              command: ShellWords.line(["virsh", "-c", target.key.connection, "migrate", "--live", "--persistent",
                                                        "--undefinesource", target.name, destination]))
                do {
                    said = try await port.migrate(target.key, name: target.name, to: destination) { line in
                        self.post(.migrationProgress("\(target.name): \(line)"))
                    }
                    record(logged, .done(said))
                } catch {
                    said = userLine(error)
                    failed = true
                    record(logged, .failed(said))
                    break
                }
            }
            post(.migrationEnded(said, failed: failed))
            migrationTask.withLock { $0 = nil }
        }
        migrationTask.withLock { $0 = task }
    }

    /// The screen dialog's picture; a failure is said in the dialog (it asks again), not as an error of an action.
    nonisolated func fetchScreen(_ key: MachineKey, _ name: String) {
        let (port, lane) = (link(key.connection).port, link(key.connection).lane)
        Task {
            do {
                post(.screen(key, try await lane.run { try port.screen(name) }, problem: nil))
            } catch {
                post(.screen(key, nil, problem: userLine(error)))
            }
        }
    }

    /// Keys typed in the screen dialog; only a failure is said (in the dialog), the next picture shows the rest.
    nonisolated func sendKeys(_ key: MachineKey, _ name: String, _ codes: [UInt32]) {
        let (port, lane) = (link(key.connection).port, link(key.connection).lane)
        Task {
            do { try await lane.run { try port.sendKeys(name, codes) } } catch {
                post(.screen(key, nil, problem: userLine(error)))
            }
        }
    }

    /// Details are a nicety: a VM that vanished meanwhile simply shows none.
    nonisolated func fetchDetails(_ key: MachineKey) {
        let (port, lane) = (link(key.connection).port, link(key.connection).lane)
        Task {
            if let details = try? await lane.run({ try port.details(key) }) { post(.details(key, details)) }
        }
    }

    /// One action on several VMs, one after the other on each VM's lane: each is logged on its own (a VM that
    /// vanished meanwhile fails alone); `update` sums them up.
    func performMany(_ action: MachineAction, _ targets: [MachineRef], refused: [MachineRefusal]) {
        for refusal in refused {
            record(Effect.perform(action, refusal.machine.key, name: refusal.machine.name).logged(uri: state.uri),
                   .failed(refusal.reason))
        }
        let jobs = targets.map { target in
            (target, link(target.key.connection), Effect.perform(action, target.key, name: target.name).logged(uri: state.uri))
        }
        Task.detached { [self] in
            var failed: [String] = []
            for (target, link, logged) in jobs {
                let port = link.port
                do {
                    record(logged, .done(try await link.lane.run { try port.perform(action, target.key, name: target.name) }))
                } catch {
                    failed.append(target.name)
                    record(logged, .failed(userLine(error)))
                }
            }
            post(.manyPerformed(action, total: jobs.count, failed: failed, refused: refused.count))
        }
    }

    /// Each VM's snapshot tree, in the targets' order.
    nonisolated func listSnapshots(_ targets: [MachineRef]) {
        let jobs = targets.map { ($0, link($0.key.connection)) }
        Task {
            do {
                var trees: [[SnapshotNode]] = []
                for (target, link) in jobs {
                    let port = link.port
                    trees.append(try await link.lane.run { try port.snapshots(target.key) })
                }
                post(.snapshotsListed(targets, trees))
            } catch {
                post(.actionFailed(userLine(error)))
            }
        }
    }
}
