"""The README's figure on scoring against ground truth (docs/scoring.png):
one demo image near its label, its truth, and the errors of the lesson's
exclusion and of the marker exclusion against the truth; under them the
plot of F1 by method that a run on the demo made.

    snakemake --cores 8      # the demo run: results/evaluation-methods.png
    python scripts/readme_figure.py --results results --out docs/scoring.png
"""

import argparse
import os

import numpy as np
from PIL import Image, ImageDraw

from rootmass.demo import demo_seed, synthetic_root_image
from rootmass.evaluation import score_mask
from rootmass.qc.figures import _font
from rootmass.segmentation import blur, marker_margin, segment, to_grayscale

#: true positive white, false positive magenta, false negative cyan
COLOURS = {"tp": (255, 255, 255), "fp": (230, 40, 200), "fn": (0, 200, 230)}


def errors(mask, truth):
    """An RGB picture of a mask's agreement with the truth."""
    picture = np.zeros((*mask.shape, 3), np.uint8)
    picture[mask & truth] = COLOURS["tp"]
    picture[mask & ~truth] = COLOURS["fp"]
    picture[~mask & truth] = COLOURS["fn"]
    return picture


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", default="results")
    parser.add_argument("--out", default="docs/scoring.png")
    parser.add_argument("--index", type=int, default=0, help="the demo image")
    args = parser.parse_args(argv)

    image, truth = synthetic_root_image((600, 900), demo_seed(2026, args.index),
                                        label=args.index)
    blurred = blur(to_grayscale(image), 1.5)
    panels = [("the image", image), ("annotated truth", np.repeat(truth[..., None], 3, 2).astype(np.uint8) * 255)]
    for method in ("otsu_excluding_bright", "otsu_excluding_markers"):
        _, mask = segment(blurred, method, marker_margin=marker_margin(1.5))
        f1 = score_mask(mask, truth)["f1"]
        panels.append((f"{method}: F1 {f1:.3f}", errors(mask, truth)))
    # the bottom half: the label, the roots near it
    crop = (slice(300, 600), slice(0, 450)) if image[450:, :450].mean() > image[450:, 450:].mean() \
        else (slice(300, 600), slice(450, 900))
    cells = [(title, Image.fromarray(np.ascontiguousarray(p[crop]))) for title, p in panels]
    plot = Image.open(os.path.join(args.results, "evaluation-methods.png")).convert("RGB")
    pad, title_h = 8, 22
    width = max(pad + sum(c.width + pad for _, c in cells), plot.width)
    cell_h = cells[0][1].height
    legend_h = 22
    height = pad + title_h + cell_h + legend_h + pad + plot.height
    page = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(page)
    x = pad
    for title, cell in cells:
        draw.text((x, pad + 3), title, fill="black", font=_font(13))
        page.paste(cell, (x, pad + title_h))
        x += cell.width + pad
    y = pad + title_h + cell_h + 4
    x = pad
    for name, label in (("tp", "foreground in both"), ("fp", "false positive"),
                        ("fn", "false negative (missed)")):
        draw.rectangle([x, y + 3, x + 12, y + 15], fill=COLOURS[name], outline="black")
        draw.text((x + 18, y + 2), label, fill="black", font=_font(12))
        x += 30 + int(draw.textlength(label, font=_font(12)))
    page.paste(plot, ((width - plot.width) // 2, y + legend_h))
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    page.save(args.out, optimize=True)
    print(args.out)


if __name__ == "__main__":
    main()
