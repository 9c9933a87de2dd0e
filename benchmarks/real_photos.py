"""Root length on real photos against roots traced by hand: the defaults,
the best threshold method by truth, and the trained classifier, with and
without the non-root filter, on photos none of them was chosen or trained
on.

The photos: ``../shared/real-photos/barley-roots/train/`` (89 photos of
barley seedlings on paper and their RSML traces, TILLMore-CDC, GPL-3.0; or
``$REAL_PHOTOS``), left out with a message where absent. Photos with
neighbouring numbers were taken together, so the split is by number
ranges: the training part is 406-426 and 601-605 (28 photos), the held-out
part the rest (431-461, 614-737: 61 photos).

Everything is chosen on the training part only:

- the best threshold method: the lowest median absolute length error over
  the training photos, of every method of the method panel at its defaults;
- the classifier: trained on the training photos' traces (the workflow's
  defaults: ``rootmass.segmentation.classifier``); its probability cut and
  the roots' ``prune_length``, ``min_area`` and ``min_elongation`` chosen by
  cross-validation on the training photos (5 folds of neighbouring photos,
  each scored by the forest of the other folds), the lowest median absolute
  error, then the fewest photos over 25 %; "without the filter" keeps the cut
  and the pruning and leaves ``min_area`` and ``min_elongation`` at 0.

Each photo is read, converted (luma) and blurred (sigma 1.5) as the
workflow's defaults do, its mask measured by
``rootmass.measure.roots.root_traits``, its length compared with the traced
length (``rootmass.traces``). Prints each held-out photo's traced and
measured lengths, then per approach the median and worst absolute error
and how many photos are over 25 %; and the classifier's CPU time a photo
(features and forest), scaled to a 6-megapixel photo by measuring one, and
its training's.

    python benchmarks/real_photos.py                 # about 30 min here
    python benchmarks/real_photos.py --scan          # also a 150-megapixel scan's peak memory
    python benchmarks/real_photos.py --save-model barley.pickle  # and keep the classifier
    python benchmarks/real_photos.py --set classifier_trees=20   # another setting
"""

import argparse
import itertools
import os
import re
import resource
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PHOTOS = Path(os.environ.get("REAL_PHOTOS", ROOT.parent / "shared" / "real-photos"
                             / "barley-roots")) / "train"
#: The grid the classifier's mask and root settings are chosen from.
CUTS, PRUNES, AREAS, ELONGATIONS = (0.5, 0.6, 0.7), (6, 12, 20), (0, 300, 1000), (0, 5, 10)


def number(name):
    return int(re.match(r"\d+", name).group())


def training(name):
    return number(name) <= 426 or 600 < number(name) <= 605


def load(name):
    from rootmass.io import read_image
    from rootmass.segmentation import blur, to_grayscale
    from rootmass.traces import read_rsml, traced_summary

    rgb = read_image(str(PHOTOS / "imgs" / f"{name}.jpg"))
    roots = read_rsml(str(PHOTOS / "rsml" / f"{name}.rsml"))
    return {"name": name, "rgb": rgb, "blurred": blur(to_grayscale(rgb, "luma"), 1.5),
            "roots": roots, "traced": traced_summary(roots)["traced_length"]}


def length(mask, prune=6.0, area=0, elongation=0):
    from rootmass.measure.roots import root_traits

    return root_traits(mask, prune, min_area=area, min_elongation=elongation)[0]["root_length"]


def summary(errors):
    errors = np.abs(np.asarray(errors))
    return float(np.median(errors)), float(errors.max()), int((errors > 0.25).sum())


def cpu():
    return time.process_time()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scan", action="store_true",
                        help="also apply the classifier to a 150-megapixel scan")
    parser.add_argument("--save-model", type=Path, help="write the classifier trained on"
                        " the training part there, as a model file the workflow applies"
                        " (threshold.classifier_model)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a classifier setting other than its default (YAML value),"
                        " e.g. classifier_trees=20")
    args = parser.parse_args()
    if not (PHOTOS / "rsml").is_dir():
        print(f"real photos not found at {PHOTOS} (../shared is absent): nothing measured")
        return 0
    from rootmass.segmentation import PANEL_METHODS, segment, segmenter
    from rootmass.segmentation.classifier import (fold_of, features_at, labels_from_lines,
                                                  predict_probability, sample_labels,
                                                  train_forest)
    from rootmass.traces import trace_pixels

    chosen = segmenter("classifier")
    settings = {s.name: s.default for s in chosen.own_settings}
    import yaml

    for item in args.set:
        name, _, value = item.partition("=")
        if name not in settings:
            parser.error(f"--set {item}: not a classifier setting ({', '.join(settings)})")
        settings[name] = yaml.safe_load(value)
    sigma_max, colours = settings["classifier_sigma_max"], tuple(
        settings["classifier_colour_sigmas"])
    names = sorted(p.stem for p in (PHOTOS / "imgs").glob("*.jpg"))
    train = [n for n in names if training(n)]
    held = [n for n in names if not training(n)]
    print(f"{len(train)} training photos, {len(held)} held out;"
          f" classifier settings {settings}", flush=True)

    # the training part: features of the sampled pixels, the methods' lengths
    gathered, train_photos, sampled = [], [], []
    started = cpu()
    for k, name in enumerate(train):
        photo = load(name)
        began = cpu()
        pixels, _ = trace_pixels(photo["roots"], photo["blurred"].shape)
        labels = labels_from_lines(pixels, photo["blurred"].shape,
                                   settings["trace_foreground"], settings["trace_background"])
        index, classes = sample_labels(labels, settings["classifier_samples"], seed=k)
        gathered.append((features_at(photo["blurred"], index, sigma_max, photo["rgb"],
                                     colours), classes))
        sampled.append(cpu() - began)
        train_photos.append(photo)
    sampling = cpu() - started
    method_errors = {}
    for photo in train_photos:
        for method in PANEL_METHODS:
            _, mask = segment(photo["blurred"], method)
            method_errors.setdefault(method, []).append(length(mask) / photo["traced"] - 1)
    best = min(PANEL_METHODS, key=lambda m: (summary(method_errors[m])[0], m))
    print(f"best threshold method on the training photos: {best}"
          f" (median {summary(method_errors[best])[0]:.1%})", flush=True)

    def forest(chosen_photos):
        return train_forest(np.concatenate([gathered[i][0] for i in chosen_photos]),
                            np.concatenate([gathered[i][1] for i in chosen_photos]),
                            settings["classifier_trees"], settings["classifier_depth"])

    # cross-validated probabilities of the training photos, then the grid
    folds = fold_of(len(train), 5)
    probabilities = [None] * len(train)
    for fold in sorted(set(folds)):
        model = forest([i for i, f in enumerate(folds) if f != fold])
        for i in (i for i, f in enumerate(folds) if f == fold):
            probabilities[i] = predict_probability(
                model, train_photos[i]["blurred"], sigma_max, colour=train_photos[i]["rgb"],
                colour_sigmas=colours)
    grid = {}
    for cut, prune, area, elongation in itertools.product(CUTS, PRUNES, AREAS, ELONGATIONS):
        grid[(cut, prune, area, elongation)] = summary([
            length(p > cut, prune, area, elongation) / photo["traced"] - 1
            for p, photo in zip(probabilities, train_photos)])
    tuned = min(grid, key=lambda k: (grid[k][0], grid[k][2], k))
    unfiltered = (tuned[0], tuned[1], 0, 0)
    print(f"chosen by cross-validation on the training photos: cut {tuned[0]},"
          f" prune_length {tuned[1]}, min_area {tuned[2]}, min_elongation {tuned[3]}"
          f" (median {grid[tuned][0]:.1%}, {grid[tuned][2]} over 25 %)", flush=True)
    started = cpu()
    forest(range(20))
    twenty = cpu() - started + sum(sampled[:20])
    started = cpu()
    final = forest(range(len(train)))
    trained = cpu() - started + sampling
    if args.save_model:
        from rootmass.segmentation.classifier import CLASSIFIER_VERSION, versions
        from rootmass.workflow.models import save_model

        save_model({"version": CLASSIFIER_VERSION, "forest": final, "folds": {},
                    "fold_forests": [], "settings": settings,
                    "images": {f"{n}.jpg": {} for n in train}, "versions": versions()},
                   str(args.save_model))

    # the held-out part
    rows, costs = [], []
    print("\n| photo | traced | defaults | " + best + " | classifier | + filter |")
    print("|---|---|---|---|---|---|")
    for name in held:
        photo = load(name)
        _, otsu = segment(photo["blurred"], "otsu")
        _, chosen_mask = segment(photo["blurred"], best)
        started = cpu()
        probability = predict_probability(final, photo["blurred"], sigma_max,
                                          colour=photo["rgb"], colour_sigmas=colours)
        costs.append((cpu() - started) / (photo["blurred"].size / 1e6))
        lengths = [length(otsu), length(chosen_mask),
                   length(probability > unfiltered[0], *unfiltered[1:]),
                   length(probability > tuned[0], *tuned[1:])]
        rows.append([v / photo["traced"] - 1 for v in lengths])
        print(f"| {name} | {photo['traced']:.0f} | "
              + " | ".join(f"{v:.0f} ({e:+.0%})" for v, e in zip(lengths, rows[-1])) + " |",
              flush=True)
    print("\n| approach | median abs. error | worst | over 25 % |")
    print("|---|---|---|---|")
    labels = ["defaults (luma, Otsu)", f"best threshold by truth ({best})",
              "classifier", "classifier + non-root filter"]
    for k, label in enumerate(labels):
        median, worst, over = summary([r[k] for r in rows])
        print(f"| {label} | {median:.1%} | {worst:.0%} | {over} of {len(rows)} |")

    # cost: a 6-megapixel photo (a held-out photo enlarged), median of 3
    from skimage.transform import resize

    photo = load(held[0])
    scale = (6e6 / photo["blurred"].size) ** 0.5
    shape = tuple(int(round(s * scale)) for s in photo["blurred"].shape)
    big = resize(photo["blurred"], shape, order=1).astype(photo["blurred"].dtype)
    rgb = (resize(photo["rgb"], (*shape, 3), order=1) * 255).astype(np.uint8)
    timed = []
    for _ in range(4):
        started = cpu()
        predict_probability(final, big, sigma_max, colour=rgb, colour_sigmas=colours)
        timed.append(cpu() - started)
    print(f"\napplying the classifier: {statistics.median(costs):.2f} CPU-s a megapixel on the"
          f" held-out photos (median); a {shape[0]} x {shape[1]} photo"
          f" ({shape[0] * shape[1] / 1e6:.1f} MP): {statistics.median(timed[1:]):.2f} CPU-s"
          " (median of 3 after a warm-up)")
    print(f"training on the {len(train)} training photos: {trained:.0f} CPU-s (reading them,"
          f" the features of the sampled pixels and the forest); on the first 20:"
          f" {twenty:.0f} CPU-s (the features of their sampled pixels and the forest)")
    if args.scan:
        tiles = int(np.ceil((150e6 / photo["blurred"].size) ** 0.5))
        scan = np.tile(photo["blurred"], (tiles, tiles))
        scan_rgb = np.tile(photo["rgb"], (tiles, tiles, 1))
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started = cpu()
        predict_probability(final, scan, sigma_max, colour=scan_rgb, colour_sigmas=colours)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"a {scan.shape[0]} x {scan.shape[1]} scan ({scan.size / 1e6:.0f} MP):"
              f" {cpu() - started:.0f} CPU-s; peak memory {peak:.0f} MiB ({before:.0f} MiB"
              " before: the scan itself and the photos)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
