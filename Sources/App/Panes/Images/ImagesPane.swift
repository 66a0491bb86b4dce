import Humanize
import Inventory
import TermUI

extension Pane {
    public static let images = Pane("images")
}

extension AppState {
    /// Disk images (virtlab's directory, then the pools), then container images, each matching the filter.
    public var visibleImages: [ImageRow] {
        let needle = filter.lowercased()
        let disks = (snapshot?.images ?? []).sorted { ($0.pool, $0.name) < ($1.pool, $1.name) }.map(ImageRow.disk)
        let containers = (engineSnapshot?.images ?? []).sorted { ($0.tags.first ?? "~") < ($1.tags.first ?? "~") }
            .map(ImageRow.container)
        let all = disks + containers
        return needle.isEmpty ? all : all.filter { $0.name.lowercased().contains(needle) }
    }

    public var selectedImageIndex: Int? {
        selection(in: visibleImages) { $0.id == selectedImage }
    }
}

/// One row of the Images pane: a disk image or a container image.
public enum ImageRow: Sendable, Equatable {
    case disk(ImageSample)
    case container(ContainerImageSample)

    /// Unique within the pane: a disk image's path, a container image's id.
    public var id: String {
        switch self {
        case .disk(let image): image.path
        case .container(let image): image.id
        }
    }

    public var name: String {
        switch self {
        case .disk(let image): image.name
        case .container(let image): image.tags.first ?? "<none> \(image.shortID)"
        }
    }
}

/// Pane 3: disk images (virtlab's library and the storage pools) and container images; launch a VM from one.
enum ImagesPane: PaneFeature {
    static let pane = Pane.images
    static let title = "Images"
    static let subject = "disk images"

    static func count(in state: AppState) -> Int? {
        state.snapshot.map { $0.images.count + (state.engineSnapshot?.images.count ?? 0) }
    }

    static let bindings: [Binding] = [
        key("launch", [.character("L")], "launch a VM from the disk image (cloud-init)", footer: "launch",
            mutates: true) { state in
            guard let index = state.selectedImageIndex, case .disk(let image) = state.visibleImages[index],
                  image.format == "qcow2" || image.format == "raw" else {
                return refuse(&state, "select a qcow2 or raw disk image (a cloud image) to launch a VM from it")
            }
            let stem = image.name.split(separator: ".").first.map(String.init) ?? "vm"
            state.modal = LaunchDialog(imagePath: image.path, imageName: image.name, name: "\(stem)-vm",
                                       sshKey: state.defaultSSHKey)
            return []
        },
    ]

    static func move(_ state: inout AppState, by delta: Int) -> [Effect] {
        guard let next = row(state.visibleImages, from: state.selectedImageIndex, by: delta) else { return [] }
        state.selectedImage = next.id
        return []
    }

    static func draw(_ buffer: inout Buffer, _ body: Rect, _ state: AppState, theme: Theme, glyphs: Glyphs) {
        let (list, detail) = listAndDetail(body)
        drawImages(&buffer, list, state, theme: theme, glyphs: glyphs)
        drawImageDetail(&buffer, detail, state, theme: theme, glyphs: glyphs)
    }
}

private func drawImages(_ buffer: inout Buffer, _ rect: Rect, _ state: AppState, theme: Theme, glyphs: Glyphs) {
    let inner = buffer.pane(rect, title: "Images · disk and container", focused: true, theme: theme, glyphs: glyphs)
    let images = state.visibleImages
    guard !images.isEmpty else {
        buffer.write(state.snapshot == nil ? "Connecting…"
                     : "No disk images (virtlab image import FILE adds one) and no container images.",
                     x: inner.x + 1, y: inner.y + 1, style: theme[.dim], maxX: inner.maxX)
        return
    }
    let text = theme[.text]
    let columns: [TableView.Column] = [.init("NAME", width: 0), .init("SOURCE", width: 10), .init("FORMAT", width: 9),
                                       .init("SIZE", width: 6, rightAligned: true),
                                       .init("ON DISK", width: 7, rightAligned: true), .init("BACKING", width: 0)]
    TableView(columns: columns, rowCount: images.count, selected: state.selectedImageIndex,
              focused: state.modal == nil) { index in
        switch images[index] {
        case .disk(let image):
            return [.init(image.name, text), .init(image.pool, text), .init(image.format ?? "-", text),
                    .init(Units.compact(Double(image.capacityBytes)), text),
                    .init(Units.compact(Double(image.allocationBytes)), text),
                    .init(image.backingStore ?? "", theme[.dim])]
        case .container(let image):
            return [.init(images[index].name, text), .init("engine", text), .init("container", text),
                    .init(Units.compact(Double(image.sizeBytes)), text), .init("", text),
                    .init("", theme[.dim])]
        }
    }.draw(into: &buffer, rect: inner, theme: theme)
}

private func drawImageDetail(_ buffer: inout Buffer, _ rect: Rect, _ state: AppState, theme: Theme, glyphs: Glyphs) {
    let inner = buffer.pane(rect, title: "Image", focused: false, theme: theme, glyphs: glyphs)
    guard let index = state.selectedImageIndex else { return }
    let lines: [String]
    switch state.visibleImages[index] {
    case .disk(let image):
        lines = ["Path     \(image.path)", "Source   \(image.pool)", "Format   \(image.format ?? "unknown")",
                 "Size     \(Units.bytes(Double(image.capacityBytes))) virtual, \(Units.bytes(Double(image.allocationBytes))) on disk",
                 "Backing  \(image.backingStore ?? "none")"]
    case .container(let image):
        lines = ["Tags     \(image.tags.isEmpty ? "none (dangling)" : image.tags.joined(separator: ", "))",
                 "Id       \(image.shortID)", "Size     \(Units.bytes(Double(image.sizeBytes)))",
                 "Created  \(Units.timestamp(image.created))"]
    }
    buffer.textLines(lines.map { StyledLine($0, theme[.text]) }, in: inner.inset(left: 1))
}
