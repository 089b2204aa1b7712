"""Plots drawn with numpy and PIL only (no matplotlib): headless, and cheap to import."""

import numpy as np
from PIL import Image, ImageDraw

# Matplotlib's tab10 palette: ten colours told apart by most readers.
PALETTE = (
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
    (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
)


def scatter_plot(points, labels, class_names=None, size=480, legend_width=120, margin=30):
    """uint8 RGB [size, size + legend_width, 3]: 2-D `points` as dots coloured by integer label,
    a frame with the axis ranges written at its corners, and a legend of the classes."""
    points = np.asarray(points, np.float32)
    labels = np.asarray(labels).astype(int).ravel()
    if points.ndim != 2 or points.shape[1] != 2 or len(points) != len(labels):
        raise ValueError(f"need [N, 2] points and N labels, got {points.shape} and {labels.shape}")
    classes = int(labels.max()) + 1 if len(labels) else 0
    names = list(class_names) if class_names else [str(k) for k in range(classes)]
    low, high = points.min(axis=0), points.max(axis=0)
    span = np.where(high > low, high - low, 1.0)
    inner = size - 2 * margin
    xy = (points - low) / span * inner
    pixels = np.stack([margin + xy[:, 0], size - margin - xy[:, 1]], axis=1)  # y grows upwards
    canvas = Image.new("RGB", (size + legend_width, size), "white")
    draw = ImageDraw.Draw(canvas)
    draw.rectangle([margin, margin, size - margin, size - margin], outline="black")
    for (x, y), label in zip(pixels, labels):
        draw.ellipse([x - 1.5, y - 1.5, x + 1.5, y + 1.5], fill=PALETTE[label % len(PALETTE)])
    draw.text((margin, size - margin + 4), f"{low[0]:.2f}", fill="black")
    draw.text((size - margin - 30, size - margin + 4), f"{high[0]:.2f}", fill="black")
    draw.text((2, size - margin - 12), f"{low[1]:.2f}", fill="black")
    draw.text((2, margin), f"{high[1]:.2f}", fill="black")
    for k, name in enumerate(names):
        top = margin + 18 * k
        draw.rectangle([size + 4, top, size + 14, top + 10], fill=PALETTE[k % len(PALETTE)])
        draw.text((size + 20, top - 1), name[:16], fill="black")
    return np.asarray(canvas, np.uint8)


def captioned_rows(captions, columns, text_width=240, padding=2, line_height=12):
    """uint8 RGB picture: one row per caption, its text (wrapped) then one image per column.

    `columns` are uint8 [N, H, W, C] batches (e.g. Stage-I and Stage-II images of the same
    captions), each enlarged by a whole factor (nearest) to the tallest one's height.
    """
    import textwrap

    height = max(batch.shape[1] for batch in columns)
    scaled = []
    for batch in columns:
        batch = np.asarray(batch, np.uint8)
        factor = height // batch.shape[1]
        batch = batch.repeat(factor, axis=1).repeat(factor, axis=2)
        scaled.append(np.repeat(batch, 3, axis=-1) if batch.shape[-1] == 1 else batch)
    width = text_width + sum(b.shape[2] + padding for b in scaled) + padding
    canvas = Image.new("RGB", (width, len(captions) * (height + padding) + padding), "white")
    draw = ImageDraw.Draw(canvas)
    for row, caption in enumerate(captions):
        top = padding + row * (height + padding)
        for line, text in enumerate(textwrap.wrap(caption, width=text_width // 6)[: max(height // line_height, 1)]):
            draw.text((4, top + line * line_height), text, fill="black")
        left = text_width + padding
        for batch in scaled:
            canvas.paste(Image.fromarray(batch[row]), (left, top))
            left += batch.shape[2] + padding
    return np.asarray(canvas, np.uint8)


def line_plot(series, x_label, y_label, references=None, log_y=True, size=(640, 400), margin=50):
    """uint8 RGB picture of lines: `series` {name: (xs, ys)} (one colour each, a dot per
    point), `references` {name: y} drawn dashed across (a floor, a target), a log y axis by
    default (quality metrics span decades), axis labels and the ranges at the frame's ends."""
    references = references or {}
    xs = np.concatenate([np.asarray(x, np.float64) for x, _ in series.values()])
    ys = np.concatenate([np.asarray(y, np.float64) for _, y in series.values()] + [list(references.values())])
    transform = (lambda v: np.log10(np.maximum(v, 1e-6))) if log_y else (lambda v: np.asarray(v, np.float64))
    x_low, x_high = 0.0, max(float(xs.max()), 1e-9)
    y_low, y_high = float(transform(ys).min()), float(transform(ys).max())
    y_span = y_high - y_low or 1.0
    width, height = size
    legend = 18 * (len(series) + len(references))
    canvas = Image.new("RGB", (width, height + legend), "white")
    draw = ImageDraw.Draw(canvas)
    left, top, right, bottom = margin, margin // 2, width - margin // 2, height - margin

    def point(x, y):
        return (left + (x - x_low) / (x_high - x_low) * (right - left),
                bottom - (transform(y) - y_low) / y_span * (bottom - top))

    draw.rectangle([left, top, right, bottom], outline="black")
    if log_y:  # a labelled grid line at every power of ten inside the range
        for power in range(int(np.ceil(y_low)), int(np.floor(y_high)) + 1):
            y_pixel = point(x_low, 10.0 ** power)[1]
            draw.line([left, y_pixel, right, y_pixel], fill=(220, 220, 220))
            if top + 14 < y_pixel < bottom - 14:  # clear of the range labels at the ends
                draw.text((4, y_pixel - 6), f"{10.0 ** power:g}", fill="black")
    for k, (name, y) in enumerate(references.items()):
        colour = PALETTE[(len(series) + k) % len(PALETTE)]
        y_pixel = point(x_low, y)[1]
        for x in range(left, right, 8):
            draw.line([x, y_pixel, min(x + 4, right), y_pixel], fill=colour)
    for k, (name, (x_values, y_values)) in enumerate(series.items()):
        colour = PALETTE[k % len(PALETTE)]
        points = [point(x, y) for x, y in zip(x_values, y_values)]
        if len(points) > 1:
            draw.line(points, fill=colour, width=2)
        for x, y in points:
            draw.ellipse([x - 2.5, y - 2.5, x + 2.5, y + 2.5], fill=colour)
    low_text = f"{10 ** y_low:.3g}" if log_y else f"{y_low:.3g}"
    high_text = f"{10 ** y_high:.3g}" if log_y else f"{y_high:.3g}"
    draw.text((4, bottom - 10), low_text, fill="black")
    draw.text((4, top), high_text, fill="black")
    draw.text((left, bottom + 4), f"{x_low:g}", fill="black")
    draw.text((right - 40, bottom + 4), f"{x_high:.0f}", fill="black")
    draw.text(((left + right) // 2 - 40, bottom + 16), x_label, fill="black")
    draw.text((4, 4), y_label + (" (log)" if log_y else ""), fill="black")
    names = [(name, PALETTE[k % len(PALETTE)]) for k, name in enumerate(series)]
    names += [(f"{name} (dashed)", PALETTE[(len(series) + k) % len(PALETTE)]) for k, name in enumerate(references)]
    for k, (name, colour) in enumerate(names):
        y = height + 18 * k
        draw.rectangle([left, y + 3, left + 10, y + 13], fill=colour)
        draw.text((left + 16, y + 2), name, fill="black")
    return np.asarray(canvas, np.uint8)
