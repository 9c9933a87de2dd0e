"""Hand-traced roots as truth (rootmass.traces): RSML files read, RootNav's
spline against SciPy's Hermite spline, traced lengths against constructed
curves, the scores along traces on drawn masks, the shared barley traces,
and the scores in a real `snakemake` run."""

import csv
import math

import numpy as np
import pytest
from PIL import Image, ImageDraw

from conftest import run_snakemake
from rootmass.evaluation import compare_methods
from rootmass.traces import (
    TRACE_COLUMNS,
    is_rsml,
    path_length,
    prepare_traces,
    read_rsml,
    root_path,
    trace_scores,
    traced_summary,
)


def rsml(roots, unit="pixel", namespace=""):
    """An RSML document: `roots` is a list of (kind, points (x, y), children),
    kind "polyline" or ("rootnavspline", tension, separation)."""
    ns = f' xmlns="{namespace}"' if namespace else ""

    def root(number, kind, points, children):
        if kind == "polyline":
            open_, close = "<polyline>", "</polyline>"
        else:
            _, tension, separation = kind
            open_ = (f'<rootnavspline controlpointseparation="{separation}"'
                     f' tension="{tension}">')
            close = "</rootnavspline>"
        inner = "".join(f'<point x="{x}" y="{y}" />' for x, y in points)
        nested = "".join(root(f"{number}.{k + 1}", *child) for k, child in enumerate(children))
        return (f'<root ID="{number}" label="primary"><geometry>{open_}{inner}{close}'
                f"</geometry>{nested}</root>")

    body = "".join(root(str(k + 1), *r) for k, r in enumerate(roots))
    return (f'<?xml version="1.0" encoding="utf-8"?><rsml{ns}><metadata><version>1.0'
            f"</version><unit>{unit}</unit></metadata><scene><plant ID=\"1\">{body}"
            "</plant></scene></rsml>")


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_read_rsml_polylines_splines_laterals_and_namespaces(tmp_path):
    text = rsml([
        ("polyline", [(10, 20), (10, 60)], [("polyline", [(10, 40), (30, 40)], [])]),
        (("rootnavspline", 0.5, 50), [(0, 0), (5, 5), (10, 0)], []),
    ], namespace="http://example.org/rsml")
    roots = read_rsml(write(tmp_path / "a.rsml", text))
    assert [r["id"] for r in roots] == ["1", "1.1", "2"]
    # (row, column) = (y, x)
    np.testing.assert_array_equal(roots[0]["points"], [[20, 10], [60, 10]])
    np.testing.assert_array_equal(roots[1]["points"], [[40, 10], [40, 30]])
    assert roots[0]["spline"] is None
    assert roots[2]["spline"] == {"tension": 0.5, "separation": 50}
    assert is_rsml("traces/A.RSML") and not is_rsml("truth/a.png")


@pytest.mark.parametrize("text, reason", [
    ("not xml <", "cannot read RSML file"),
    ("<svg></svg>", "its root element is <svg>, not <rsml>"),
    (rsml([("polyline", [(0, 0), (1, 1)], [])], unit="cm"), "coordinates are in 'cm'"),
    (rsml([("polyline", [(0, 0), (1, 1)], [])]).replace('x="1"', 'x="one"'),
     "a point without numbers x and y"),
])
def test_a_bad_rsml_file_is_one_line_naming_it(tmp_path, text, reason):
    path = write(tmp_path / "bad.rsml", text)
    with pytest.raises(ValueError) as error:
        read_rsml(path)
    message = str(error.value)
    assert reason in message and repr(path) in message and "\n" not in message


@pytest.mark.parametrize("tension", [0.0, 0.5, 0.8])
def test_rootnav_spline_is_scipys_cardinal_hermite_spline(tension):
    """RootNav's curve: a cubic Hermite spline through the control points,
    of tangent (1 - tension) / 2 times the chord of the neighbours, the ends
    reflected; SciPy's CubicHermiteSpline is the reference."""
    from scipy.interpolate import CubicHermiteSpline

    rng = np.random.default_rng(3)
    points = np.cumsum(rng.uniform(5, 40, (7, 2)), axis=0)
    root = {"points": points, "spline": {"tension": tension, "separation": 20}}
    path = root_path(root)
    assert len(path) == 6 * 21 + 1
    padded = np.concatenate([[2 * points[0] - points[1]], points, [2 * points[-1] - points[-2]]])
    s = (1 - tension) / 2
    reference = CubicHermiteSpline(np.arange(7), points, s * (padded[2:] - padded[:-2]))
    # the samples between control points: (i + 1) / (count + 1)
    at = np.concatenate([[k] + list(k + (np.arange(20) + 1) / 21.0) for k in range(6)] + [[6]])
    np.testing.assert_allclose(path, reference(at), rtol=0, atol=1e-9)
    # through every control point
    np.testing.assert_array_equal(path[::21], points)


def test_traced_length_against_constructed_curves():
    # evenly spaced points on a line: the spline stays on it, as long as it
    line = np.column_stack([np.full(6, 7.0), np.arange(6) * 30.0])
    root = {"points": line, "spline": {"tension": 0.5, "separation": 50}}
    assert path_length(root_path(root)) == pytest.approx(150.0, abs=1e-9)
    assert path_length(root_path(root, spline=False)) == pytest.approx(150.0)
    # 24 points on a circle's arc: the Catmull-Rom spline (tension 0) is
    # within 0.1 % of the arc, the polyline of the chords short by 0.3 %
    angles = np.linspace(0, np.pi, 25)
    arc = np.column_stack([100 * np.sin(angles), 100 * np.cos(angles)])
    root = {"points": arc, "spline": {"tension": 0.0, "separation": 40}}
    true = 100 * np.pi
    assert abs(path_length(root_path(root)) / true - 1) < 0.001
    assert path_length(root_path(root, spline=False)) / true - 1 == pytest.approx(
        24 * 2 * 100 * np.sin(np.pi / 48) / true - 1)
    summary = traced_summary([
        {"points": line, "spline": None},
        {"points": line[:3], "spline": None},  # ends elsewhere: its own tip
        {"points": line[::-1][::5], "spline": None},  # from the end back to the start
    ])
    assert summary == {"traced_length": 150 + 60 + 150, "traced_roots": 3,
                       "traced_tips": 3}
    assert traced_summary([{"points": line, "spline": None}] * 2)["traced_tips"] == 1


def horizontal(row, start, stop):
    return {"points": np.array([[row, start], [row, stop]], float), "spline": None}


def test_trace_scores_on_drawn_masks():
    """A trace of 100 px along row 50; the mask covers its first half (and a
    blob far away); the skeleton is half on the trace, half on the blob."""
    shape = (200, 130)
    traces = prepare_traces([horizontal(50, 10, 110)], shape, tolerance=5)
    assert traces["traced_length"] == 100 and traces["weights"].sum() == pytest.approx(100)
    mask = np.zeros(shape, bool)
    mask[47:54, 10:61] = True  # columns 10 ... 60
    mask[150:157, 10:61] = True
    skeleton = np.zeros(shape, bool)
    skeleton[50, 12:59] = skeleton[153, 12:59] = True
    scores = trace_scores(mask, skeleton, traces)
    # the trace within 5 px of the mask: columns 10 to 65 (of 10 to 110),
    # in half-pixel samples rounded to pixels
    assert scores["trace_recall"] == pytest.approx(0.555, abs=0.01)
    assert scores["trace_precision"] == 0.5
    assert scores["trace_f1"] == pytest.approx(2 * 0.555 * 0.5 / 1.055, abs=0.01)
    assert scores["tip_recall"] == 0.0  # the tip, column 110, is far
    # the whole trace covered, the blob gone: every score 1
    full = np.zeros(shape, bool)
    full[48:53, 5:116] = True
    skeleton = np.zeros(shape, bool)
    skeleton[50, 8:113] = True
    assert trace_scores(full, skeleton, traces) == {
        "trace_recall": 1.0, "trace_precision": 1.0, "trace_f1": 1.0, "tip_recall": 1.0}
    # a mask 6 px beside the trace: outside 5 px, inside 7
    beside = np.zeros(shape, bool)
    beside[56, 10:111] = True
    assert trace_scores(beside, beside, traces)["trace_recall"] == 0.0
    wider = prepare_traces([horizontal(50, 10, 110)], shape, tolerance=7)
    assert trace_scores(beside, beside, wider)["trace_recall"] == 1.0
    assert trace_scores(beside, beside, wider)["trace_precision"] == 1.0
    # nothing found: recall 0, no skeleton to take a share of
    empty = np.zeros(shape, bool)
    assert trace_scores(empty, empty, traces) == {
        "trace_recall": 0.0, "trace_precision": None, "trace_f1": None, "tip_recall": 0.0}


def test_a_roi_scores_the_traces_inside_it():
    shape = (100, 100)
    roi = np.zeros(shape, bool)
    roi[:, :50] = True
    traces = prepare_traces([horizontal(50, 10, 90)], shape, tolerance=3, roi=roi)
    assert traces["traced_length"] == pytest.approx(40, abs=0.5)
    assert traces["traced_tips"] == 0  # the tip, column 90, is outside
    mask = np.zeros(shape, bool)
    mask[49:52, 10:50] = True
    assert trace_scores(mask, mask, traces)["trace_recall"] == 1.0
    with pytest.raises(ValueError, match="tolerance must be a number > 0"):
        prepare_traces([], shape, tolerance=0)


def test_compare_methods_ranks_by_trace_f1_and_length():
    rows = [
        {"image": "a", "method": "otsu", "f1": None, "iou": None, "trace_f1": 0.4,
         "trace_recall": 0.9, "trace_precision": 0.25, "length_error": 2.0},
        {"image": "b", "method": "otsu", "f1": None, "iou": None, "trace_f1": 0.6,
         "trace_recall": 0.8, "trace_precision": 0.5, "length_error": -0.5},
        {"image": "a", "method": "sauvola", "f1": None, "iou": None, "trace_f1": 0.8,
         "trace_recall": 0.8, "trace_precision": 0.8, "length_error": 0.1},
        {"image": "b", "method": "sauvola", "error": "no threshold"},
    ]
    methods = {m["method"]: m for m in compare_methods(rows)}
    assert methods["otsu"]["mean_f1"] == pytest.approx(0.5)
    assert methods["sauvola"]["mean_f1"] == pytest.approx(0.4)  # the error scores 0
    assert methods["otsu"]["rank"] == 1 and methods["otsu"]["best"]
    assert methods["sauvola"]["rank"] == 2 and not methods["sauvola"]["best"]
    assert methods["otsu"]["mean_iou"] is None
    assert methods["otsu"]["median_abs_length_error"] == pytest.approx(1.25)
    assert methods["sauvola"]["mean_abs_length_error"] == pytest.approx(0.1)
    assert methods["otsu"]["mean_trace_recall"] == pytest.approx(0.85)
    assert methods["sauvola"]["mean_trace_precision"] == pytest.approx(0.4)
    # a tie in F1 goes to the smaller median length error
    tied = compare_methods([dict(rows[2], method="yen", length_error=0.3), rows[2]])
    assert [(m["method"], m["rank"]) for m in tied] == [("yen", 2), ("sauvola", 1)]


def test_the_shared_barley_traces(real_photos):
    """The 89 files read; RootNav's spline against the polyline through the
    same points: 0.08 % longer in all (config/README.md)."""
    files = sorted((real_photos / "rsml").glob("*.rsml"))
    assert len(files) == 89
    splines = polylines = roots = 0
    for path in files:
        traced = read_rsml(str(path))
        assert traced and all(r["spline"] is not None for r in traced)
        splines += traced_summary(traced)["traced_length"]
        polylines += traced_summary(traced, spline=False)["traced_length"]
        roots += len(traced)
    assert roots == 1318
    assert 0.0005 < splines / polylines - 1 < 0.0012


def draw_roots(path, shape, lines, width=5):
    image = Image.new("RGB", shape[::-1], (20, 20, 20))
    draw = ImageDraw.Draw(image)
    for (r0, c0), (r1, c1) in lines:
        draw.line([(c0, r0), (c1, r1)], fill=(235, 235, 235), width=width)
    image.save(path, quality=95)


@pytest.mark.slow
def test_rsml_truth_in_a_real_run(tmp_path):
    """Two drawn photos of straight roots, each with its RSML traces; a third
    without: evaluation.csv has the traced length and the scores along the
    traces, evaluation-methods.csv ranks every method by them."""
    (tmp_path / "photos").mkdir()
    (tmp_path / "traces").mkdir()
    drawn = {
        "a": [((40, 30), (260, 60)), ((40, 30), (200, 200))],
        "b": [((30, 150), (270, 150))],
        "c": [((30, 100), (270, 120))],
    }
    for name, lines in drawn.items():
        draw_roots(tmp_path / "photos" / f"{name}.jpg", (300, 240), lines)
        if name != "c":
            write(tmp_path / "traces" / f"{name}.rsml", rsml(
                [("polyline", [(c0, r0), (c1, r1)], []) for (r0, c0), (r1, c1) in lines]))
    run_snakemake(tmp_path, "--cores", 2, "--config", "images=photos/*.jpg", "demo=null",
                  "truth=traces/{stem}.rsml", "qc=false")
    with open(tmp_path / "results" / "evaluation.csv", newline="") as f:
        rows = {row["image"]: row for row in csv.DictReader(f)}
    assert sorted(rows) == ["photos/a.jpg", "photos/b.jpg"]
    for name, row in rows.items():
        lines = drawn[name.split("/")[1][0]]
        true = math.fsum(math.dist(*line) for line in lines)
        assert float(row["traced_length"]) == pytest.approx(true)
        assert float(row["truth_length"]) == pytest.approx(true)
        assert row["true_positive_pixels"] == "" and row["f1"] == ""
        assert float(row["trace_recall"]) > 0.97
        assert float(row["trace_precision"]) > 0.97
        assert float(row["tip_recall"]) == 1.0
        assert abs(float(row["length_error"])) < 0.05
        assert set(TRACE_COLUMNS) <= set(row)
    with open(tmp_path / "results" / "evaluation-methods.csv", newline="") as f:
        methods = list(csv.DictReader(f))
    assert sorted(int(m["rank"]) for m in methods) == list(range(1, len(methods) + 1))
    assert sum(m["best"] == "True" for m in methods) == 1
    for column in ("mean_trace_recall", "mean_trace_precision", "mean_trace_f1",
                   "median_abs_length_error"):
        assert column in methods[0]
    # the ties of F1 1 ranked by the length error
    perfect = [m for m in methods if float(m["mean_f1"]) == 1.0]
    assert len(perfect) >= 2, methods
    errors = [float(m["median_abs_length_error"]) for m in
              sorted(perfect, key=lambda m: int(m["rank"]))]
    assert errors == sorted(errors)
