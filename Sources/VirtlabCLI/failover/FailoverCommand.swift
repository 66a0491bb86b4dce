import Services
import ArgumentParser
import Foundation

/// `virtlab failover watch`: recover protected VMs on their standby by itself when their home is lost.
struct FailoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "failover", abstract: "Start protected VMs on their standby when their host is lost.",
        subcommands: [Watch.self])

    struct Watch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Watch the standby hosts' protected VMs and recover them when their home is lost for a while.",
            discussion: """
                Every round (--every) it asks each protected VM's home whether it answers; a home lost for --after \
                seconds has its VMs started on the standby, as 'virtlab vm recover' does: never while another QEMU \
                still holds their disks. Every decision is printed with its time and kept in the log file. What it \
                does not promise: there is no quorum and no power fencing; a home that is only cut off from this \
                watcher, but still runs its guests, keeps their disks locked, and its VMs are then refused, not \
                started twice.
                """)

        @Option(name: .customLong("uri"), help: "A standby host to watch (repeat for several); default: the connection.")
        var uris: [String] = []
        @Option(help: "Seconds a home must stay lost before its VMs are started elsewhere.") var after: Double = 30
        @Option(help: "Seconds between rounds.") var every: Double = 5
        @Flag(help: "One round, then exit (for cron or a test).") var once = false

        func validate() throws {
            if after < 0 { throw ValidationError("--after must be 0 or more seconds") }
            if every <= 0 { throw ValidationError("--every must be more than 0 seconds") }
        }

        func run() async throws {
            let standbys = try (uris.isEmpty ? [nil] : uris.map(Optional.some)).map { uri in
                try Hypervisor.chosen(flag: uri, readOnly: false).0
            }
            var watcher = FailoverWatcher(after: after)
            let start = ContinuousClock.now
            let stamp = DateFormatter()
            stamp.locale = Locale(identifier: "en_US_POSIX")
            stamp.dateFormat = "yyyy-MM-dd HH:mm:ss"
            repeat {
                let elapsed = ContinuousClock.now - start
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                for line in watcher.round(standbys: standbys, at: seconds) {
                    // Written at once, not buffered: a watch whose output goes to a file shows each decision as made.
                    FileHandle.standardOutput.write(Data("\(stamp.string(from: Date()))  \(line)\n".utf8))
                    ActionRunner.log.info("failover: \(line)")
                }
                if once { return }
                try await Task.sleep(for: .seconds(every))
            } while true
        }
    }
}
