import Foundation

/// RFC 4180: every field quoted, quotes doubled, CRLF between records (what spreadsheets and LMSes expect).
public enum CSV {
    public static func render(_ records: [[String]]) -> String {
        records.map { $0.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: ",") }
            .joined(separator: "\r\n") + "\r\n"
    }
}
