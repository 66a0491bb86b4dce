@testable import ContainerKit
import Foundation
import Testing
import TestSupport
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

/// The HTTP/1.1 the client reads from the engine's socket: every way a body can be framed, and an engine that
/// accepts but never answers.
@Suite(.tags(.pure)) struct UnixHTTPTests {
    func answer(_ response: String, receive: ((Data) -> Void)? = nil) throws -> UnixHTTP.Response {
        let server = try FakeSocketServer(response: response)
        return try UnixHTTP(socketPath: server.path).exchange("GET", "/version", timeout: .seconds(60), receive: receive)
    }

    @Test func aChunkedBodyIsJoinedAndItsExtensionsIgnored() throws {
        let response = try answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7;name=x\r\n, world\r\n0\r\n\r\n")
        #expect(response.status == 200 && String(decoding: response.body, as: UTF8.self) == "hello, world")
    }

    @Test func aBodyWithALengthStopsThereAndOneWithoutRunsToTheClose() throws {
        let sized = try answer("HTTP/1.1 404 Not Found\r\nContent-Length: 5\r\n\r\nshortand more")
        #expect(sized.status == 404 && sized.reason == "Not Found" && String(decoding: sized.body, as: UTF8.self) == "short")
        var streamed = Data()
        let raw = try answer("HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\nline 1\nline 2\n") {
            streamed.append($0)
        }
        #expect(raw.body.isEmpty && String(decoding: streamed, as: UTF8.self) == "line 1\nline 2\n")
    }

    @Test func somethingThatIsNotHTTPIsSaidSo() throws {
        let error = #expect(throws: UnixHTTP.Failure.self) { _ = try answer("SSH-2.0-OpenSSH_9.2\r\n") }
        #expect(error?.description.contains("SSH-2.0") == true)
    }

    @Test func anEngineThatNeverAnswersTimesOut() throws {
        // A socket that listens but never accepts: the connection is queued and nothing ever answers.
        let path = NSTemporaryDirectory() + "vl-silent-\(UUID().uuidString.prefix(8)).sock"
        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer {
            close(listener)
            unlink(path)
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: path.utf8)
            raw[path.utf8.count] = 0
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(bound == 0 && listen(listener, 4) == 0)
        let error = #expect(throws: UnixHTTP.Failure.self) {
            _ = try UnixHTTP(socketPath: path).exchange("GET", "/version", timeout: .milliseconds(300))
        }
        guard case .timedOut = error else {
            Issue.record("expected a time-out, got \(String(describing: error))")
            return
        }
    }
}
