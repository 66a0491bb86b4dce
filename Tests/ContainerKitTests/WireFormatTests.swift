import ContainerKit
import Foundation
import Testing
import TestTags

@Suite(.tags(.pure)) struct OutputFramesTests {
    private func frame(_ stream: UInt8, _ text: String) -> Data {
        let payload = Data(text.utf8)
        let n = UInt32(payload.count)
        return Data([stream, 0, 0, 0, UInt8(n >> 24), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)])
            + payload
    }

    @Test func framedOutputIsSplitIntoStdoutAndStderrEvenAcrossChunks() {
        let all = frame(1, "hello ") + frame(2, "warning\n") + frame(1, "world\n")
        var frames = OutputFrames()
        // Chunk boundaries fall inside headers and payloads.
        for start in stride(from: 0, to: all.count, by: 5) {
            frames.append(all.subdata(in: start ..< min(all.count, start + 5)))
        }
        frames.finish()
        #expect(String(decoding: frames.stdout, as: UTF8.self) == "hello world\n")
        #expect(String(decoding: frames.stderr, as: UTF8.self) == "warning\n")
    }

    @Test func terminalOutputIsNotFramedAndPassesThrough() {
        var frames = OutputFrames()
        frames.append(Data("$ ls\r\nbin  etc\r\n".utf8))
        frames.append(Data("ok".utf8))
        frames.finish()
        #expect(String(decoding: frames.stdout, as: UTF8.self) == "$ ls\r\nbin  etc\r\nok")
        var short = OutputFrames()
        short.append(Data("hi\n".utf8))
        short.finish()
        #expect(String(decoding: short.stdout, as: UTF8.self) == "hi\n")
    }

    @Test func outputPastTheLimitIsCutAndSaidSo() {
        var frames = OutputFrames(limit: 10)
        frames.append(frame(1, "0123456789abcdef"))
        frames.finish()
        #expect(frames.stdout.count == 10 && frames.truncated)
    }
}

@Suite(.tags(.pure)) struct EngineModelTests {
    @Test func statsFromDockerAndPodmanShapesAreRead() throws {
        let docker = #"""
        {"cpu_stats":{"cpu_usage":{"total_usage":123456789},"system_cpu_usage":9,"online_cpus":4},
         "memory_stats":{"usage":1048576,"limit":2097152},
         "networks":{"eth0":{"rx_bytes":100,"tx_bytes":50},"eth1":{"rx_bytes":1,"tx_bytes":2}},
         "blkio_stats":{"io_service_bytes_recursive":[{"major":8,"minor":0,"op":"read","value":4096},
           {"major":8,"minor":0,"op":"write","value":512},{"major":8,"minor":16,"op":"Read","value":4}]}}
        """#
        let stats = try JSONDecoder().decode(ContainerStats.self, from: Data(docker.utf8))
        #expect(stats == ContainerStats(cpuTimeNs: 123_456_789, onlineCPUs: 4, memoryBytes: 1_048_576,
                                        memoryLimitBytes: 2_097_152, netRxBytes: 101, netTxBytes: 52,
                                        blockReadBytes: 4100, blockWriteBytes: 512))
        // A container without networks or block IO (Podman sends null) still reads.
        let sparse = #"{"cpu_stats":{"cpu_usage":{"total_usage":5}},"memory_stats":{},"networks":null,"blkio_stats":{"io_service_bytes_recursive":null}}"#
        let empty = try JSONDecoder().decode(ContainerStats.self, from: Data(sparse.utf8))
        #expect(empty.cpuTimeNs == 5 && empty.netRxBytes == 0 && empty.blockReadBytes == 0)
    }

    @Test func containerSummariesDropTheSlashAndShowPortsLikeDockerPs() throws {
        let json = #"""
        [{"Id":"abc123","Names":["/web"],"Image":"nginx:latest","Command":"nginx","Created":1700000000,
          "State":"running","Status":"Up 2 minutes",
          "Ports":[{"IP":"0.0.0.0","PrivatePort":80,"PublicPort":8080,"Type":"tcp"},{"PrivatePort":443,"Type":"tcp"}]}]
        """#
        let summary = try #require(try JSONDecoder().decode([ContainerSummary].self, from: Data(json.utf8)).first)
        #expect(summary.name == "web")
        #expect(summary.state == .running)
        #expect(summary.ports.map(\.label) == ["0.0.0.0:8080->80/tcp", "443/tcp"])
        #expect(summary.created == Date(timeIntervalSince1970: 1_700_000_000))
        #expect(ContainerState(engineValue: "Exited") == .exited)
        #expect(ContainerState(engineValue: "weird") == .unknown)
    }
}
