import Testing
import TestTags
import Humanize

@Suite(.tags(.pure)) struct UnitsTests {
    @Test func binarySizes() {
        #expect(Units.kibibytes(512 * 1024) == "512 MiB")
        #expect(Units.kibibytes(1536 * 1024) == "1.5 GiB")
        #expect(Units.bytes(0) == "0 B")
        #expect(Units.bytes(1023) == "1023 B")
        #expect(Units.bytes(150 * 1024 * 1024) == "150 MiB")
        #expect(Units.rate(-5) == "0 B/s")
        #expect(Units.rate(12.5 * 1024) == "12.5 KiB/s")
    }

    @Test func cpuTimes() {
        #expect(Units.cpuTime(nanoseconds: 800_000_000) == "0.8s")
        #expect(Units.cpuTime(nanoseconds: 187 * 1_000_000_000) == "3:07")
        #expect(Units.cpuTime(nanoseconds: 11265 * 1_000_000_000) == "3:07:45")
    }

    @Test func durations() {
        #expect(Units.duration(seconds: 45) == "45s")
        #expect(Units.duration(seconds: 725) == "12m")
        #expect(Units.duration(seconds: 3 * 3600 + 5 * 60) == "3h05m")
        #expect(Units.duration(seconds: 2 * 86400 + 4 * 3600) == "2d04h")
        #expect(Units.duration(seconds: -1) == "0s")
    }

    @Test func tablesAlignAndNeverPadTheLastColumn() {
        var table = TextTable(headers: ["NAME", "STATE"])
        table.add(["web-server", "running"])
        table.add(["db", "shut off"])
        #expect(table.render() == "NAME        STATE\nweb-server  running\ndb          shut off")
    }
}
