import Foundation

/// Human-readable numbers, shared by the command line and the full-screen UI.
public enum Units {
    /// 1536 KiB -> "1.5 MiB"; binary units, as free(1) and virsh use.
    public static func kibibytes(_ kib: UInt64) -> String { bytes(Double(kib) * 1024) }

    public static func bytes(_ value: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        let (amount, index) = scaled(value, stepAt: 1024, steps: units.count - 1)
        if index == 0 { return "\(Int(amount)) B" }
        return amount >= 100 || amount.rounded() == amount
            ? "\(Int(amount.rounded())) \(units[index])" : "\(oneDecimal(amount)) \(units[index])"
    }

    /// A rate in bytes per second: "0 B/s", "12.5 KiB/s".
    public static func rate(_ bytesPerSecond: Double) -> String { bytes(max(0, bytesPerSecond)) + "/s" }

    /// CPU time in nanoseconds as h:mm:ss (with tenths under a minute): "0.8s", "3:07:45".
    public static func cpuTime(nanoseconds: UInt64) -> String {
        let seconds = Double(nanoseconds) / 1e9
        if seconds < 60 { return "\(oneDecimal(seconds))s" }
        let total = Int(seconds)
        let (h, m, s) = (total / 3600, (total / 60) % 60, total % 60)
        return h > 0 ? "\(h):\(pad2(m)):\(pad2(s))" : "\(m):\(pad2(s))"
    }

    /// An uptime-style duration: "45s", "12m", "3h05m", "2d04h".
    /// How long ago `date` was, as `docker ps` says it: "3m ago" (never negative on a skewed clock).
    public static func ago(_ date: Date, now: Date = Date()) -> String {
        duration(seconds: max(0, now.timeIntervalSince(date))) + " ago"
    }

    /// A moment as `2023-11-14 22:13 UTC`: the same on every machine, so screens stay comparable.
    public static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date) + " UTC"
    }

    public static func duration(seconds: Double) -> String {
        let total = max(0, Int(seconds))
        switch total {
        case ..<60: return "\(total)s"
        case ..<3600: return "\(total / 60)m"
        case ..<86400: return "\(total / 3600)h\(pad2((total / 60) % 60))m"
        default: return "\(total / 86400)d\(pad2((total / 3600) % 24))h"
        }
    }

    /// Divides by 1024 while the amount is at least `stepAt`: the amount and how many times it divided.
    static func scaled(_ value: Double, stepAt threshold: Double, steps: Int) -> (Double, Int) {
        var amount = value
        var index = 0
        while amount >= threshold && index < steps {
            amount /= 1024
            index += 1
        }
        return (amount, index)
    }

    public static func percent(_ value: Double) -> String { "\(oneDecimal(max(0, value)))%" }

    public static func oneDecimal(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(abs(tenths % 10))"
    }

    private static func pad2(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}

/// Left-aligned plain-text columns for terminal output; the last column is never padded.
public struct TextTable {
    public let headers: [String]
    public var rows: [[String]] = []

    public init(headers: [String]) { self.headers = headers }

    public mutating func add(_ row: [String]) { rows.append(row) }

    public func render() -> String {
        let all = [headers] + rows
        let widths = headers.indices.map { column in all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.fitted(to: widths[index])
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

extension String {
    /// Pads with spaces or truncates to exactly `length` characters.
    public func fitted(to length: Int) -> String {
        count >= length ? String(prefix(length)) : self + String(repeating: " ", count: length - count)
    }
}

extension Units {
    /// At most five characters, for narrow table columns: "0", "980B", "12.5K", "768M", "1.5G".
    public static func compact(_ bytes: Double) -> String {
        guard bytes >= 1 else { return "0" }
        let units = ["B", "K", "M", "G", "T", "P"]
        // Step up at 1000, not 1024, so the number never needs four digits: "1.0K", not "1010B".
        let (amount, index) = scaled(bytes, stepAt: 1000, steps: units.count - 1)
        if index == 0 { return "\(Int(amount))B" }
        return amount < 10 ? "\(oneDecimal(amount))\(units[index])" : "\(Int(amount.rounded()))\(units[index])"
    }
}
