import App
import Foundation
import Inventory
import Providers
import TermUI
import VirtKit

// In-process figures for BENCHMARKS.md: CPU time per refresh for stats collection and for rendering,
// on a test-driver hypervisor with N domains. Prints one JSON object. Run by `make bench`.

func threadCPUSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

func measure(_ rounds: Int, _ body: () throws -> Void) rethrows -> (cpuMs: Double, wallMs: Double) {
    let cpu0 = threadCPUSeconds(), wall0 = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<rounds { try body() }
    let cpu = (threadCPUSeconds() - cpu0) / Double(rounds) * 1000
    let wall = Double(DispatchTime.now().uptimeNanoseconds - wall0) / 1e6 / Double(rounds)
    return (cpu, wall)
}

let arguments = CommandLine.arguments
let domains = arguments.firstIndex(of: "--domains").map { Int(arguments[$0 + 1]) ?? 1000 } ?? 1000
let fixturePath = arguments.firstIndex(of: "--fixture").map { arguments[$0 + 1] }
    ?? FileManager.default.temporaryDirectory.appendingPathComponent("virtlab-bench-\(domains).xml").path

var xml = "<node>\n"
for index in 0..<domains {
    let uuid = String(format: "00000000-0000-4000-8000-%012d", index)
    xml += """
      <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'><name>vm\(String(format: "%04d", index))</name>
      <uuid>\(uuid)</uuid><memory unit='MiB'>\(256 + index % 8 * 256)</memory><vcpu>\(1 + index % 4)</vcpu>
      <os><type arch='x86_64'>hvm</type></os>
      <devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/images/vm\(index).qcow2'/><target dev='vda' bus='virtio'/></disk>
      <interface type='network'><mac address='52:54:00:\(String(format: "%02x:%02x:%02x", index >> 16 & 0xff, index >> 8 & 0xff, index & 0xff))'/><source network='default'/></interface></devices>
      <test:runstate>\(index % 5 == 0 ? 5 : 1)</test:runstate></domain>

    """
}
xml += "</node>\n"
try xml.write(toFile: fixturePath, atomically: true, encoding: .utf8)
let uri = "test://\(fixturePath)"

let connection = try Connection(uri: uri)
let inventory = try LibvirtProvider(connection: connection)
_ = try inventory.snapshot()  // warm up
let stats = try measure(20) { _ = try inventory.snapshot() }

var state = AppState(uri: uri, isDemo: false, readOnly: false)
_ = update(&state, .tick(now: 1))
_ = update(&state, .snapshot(try inventory.snapshot()))
Thread.sleep(forTimeInterval: 0.2)
_ = update(&state, .snapshot(try inventory.snapshot()))
_ = update(&state, .key(.character("s")))  // sort by state: work the sort as a user would
_ = update(&state, .key(.character("s")))  // then by CPU%
let size = Size(width: 200, height: 60)
var frame = view(state, size: size, theme: .builtIn, glyphs: .unicode)
let render = measure(100) { frame = view(state, size: size, theme: .builtIn, glyphs: .unicode) }

// What a quiet refresh changes on screen: cells that differ between two frames one refresh apart.
let before = frame
_ = update(&state, .snapshot(try inventory.snapshot()))
let after = view(state, size: size, theme: .builtIn, glyphs: .unicode)
let changes = after.changes(from: before)
let changedCells = changes.reduce(0) { $0 + $1.cells.count }

let result: [String: Any] = [
    "domains": domains, "fixture": fixturePath,
    "stats_cpu_ms_per_refresh": stats.cpuMs, "stats_wall_ms_per_refresh": stats.wallMs,
    "render_cpu_ms_200x60": render.cpuMs, "render_wall_ms_200x60": render.wallMs,
    "quiet_refresh_changed_runs": changes.count, "quiet_refresh_changed_cells": changedCells,
]
let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
print(String(decoding: json, as: UTF8.self))
