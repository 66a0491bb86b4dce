import Humanize
import Inventory
import TermUI

/// One VM's history of CPU, memory, disk and network over the session, charted (h).
public struct ChartDialog: Dialog, Equatable {
    public let machine: MachineRef

    public func handle(_ key: Key, in state: inout AppState) -> [Effect] {
        if [.escape, .character("q"), .enter, .character("h")].contains(key) { state.modal = nil }
        return []
    }

    public var hints: [(String, String)] { [("q/Esc", "close")] }

    public func draw(_ buffer: inout Buffer, _ state: AppState, theme: Theme, glyphs: Glyphs) {
        drawChart(&buffer, machine, state, theme: theme, glyphs: glyphs)
    }
}

/// The history chart (h): CPU, memory, disk and network of one VM over the session, one band each.
private func drawChart(_ buffer: inout Buffer, _ machine: MachineRef, _ state: AppState, theme: Theme, glyphs: Glyphs) {
    let rect = buffer.bounds.centered(width: buffer.size.width - 4, height: buffer.size.height - 4)
    let inner = framed(&buffer, rect, title: "History of \(machine.name)", theme: theme, glyphs: glyphs)
    guard let history = state.history[machine.key], history.cpu.count > 0 else {
        buffer.write(" No samples yet: the history grows with each refresh while virtlab runs.", x: inner.x, y: inner.y,
                     style: theme[.modal], maxX: inner.maxX)
        return
    }
    let samples = history.cpu.count
    let span = Units.duration(seconds: Double(samples) * state.refreshInterval)
    buffer.write(" \(samples) samples, about \(span) at one per \(formatSeconds(state.refreshInterval)) "
                 + "(kept for the session, the last \(AppState.historyLength))", x: inner.x, y: inner.y, style: theme[.dim],
                 maxX: inner.maxX)
    let band = max(2, (inner.height - 1) / MachineHistory.Series.allCases.count)
    for (index, series) in MachineHistory.Series.allCases.enumerated() {
        let top = inner.y + 1 + index * band
        guard top + 1 < inner.maxY else { break }
        let values = history[series].values()
        let peak = values.max() ?? 0
        let percent = series == .cpu || series == .memory
        // Memory against its whole; the rest against their own peak, so an idle guest's CPU still shows its shape.
        let ceiling = series == .memory ? 100 : max(peak, 1)
        let said = { (value: Double) in percent ? Units.percent(value) : Units.rate(value) }
        buffer.write(" \(series.title): now \(said(values.last ?? 0)), peak \(said(peak)), scale \(said(ceiling))",
                     x: inner.x, y: top, style: theme[.title], maxX: inner.maxX)
        buffer.barChart(values, in: Rect(x: inner.x + 1, y: top + 1, width: inner.width - 2,
                                         height: min(band - 1, inner.maxY - top - 1)),
                        ceiling: ceiling, theme: theme, glyphs: glyphs)
    }
}

