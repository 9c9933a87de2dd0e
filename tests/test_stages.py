"""A stage declared once (rootmass.workflow.stages): a new stage's
declaration alone reaches the sheet's columns, the config's settings, the
stage's params, the disk check, the planning's runtimes, the kinds of output
a run makes, the CSV's columns, the summary and the QC panels."""

import os
import subprocess
import sys
import textwrap

import pandas as pd

from conftest import ROOT
from rootmass.summary import summarise
from rootmass.workflow import stages
from rootmass.workflow.experiment import Experiment

# In a fresh interpreter, since the machinery reads the declarations when it
# is imported: declare a stage, then check what every part makes of it.
NEW_STAGE = textwrap.dedent(
    """
    import copy, json, yaml
    from rootmass.workflow import stages
    from rootmass.workflow.stages import STAGES, Stage

    leaves = Stage(
        "leaves",
        settings=("leaf_min_area", "pixel_size"),
        config_keys={"leaf_min_area": "leaves.min_area"},
        kinds={"leaf_min_area": "number"},
        outputs={"leaves": ("leaves/{batch}.json", "leaves/{batch}")},
        disk_bytes={"leaves": 12345},
        seconds_per_megapixel={"": 0.5, "big": 2.0},
        switch="leaves.enabled",
        columns=("leaves", "leaf_area_mean"),
        rows="leaves/{batch}.json",
        merge="leaf",
        overlay="object_panel",
        previews="leaves/{batch}",
        report="collection",
    )
    STAGES["leaves"] = leaves
    stages.MEASURING = (*stages.MEASURING, leaves)

    from rootmass.workflow import disk, planning, samples
    from rootmass.workflow.experiment import Experiment, defaults

    with open("config/config.yaml") as f:
        config = yaml.safe_load(f)
    config["leaves"] = {"enabled": True, "min_area": 7}
    settings = defaults(config)
    one = {"b1": [(1000, 1000)] * 3}
    found = {
        "sheet column": samples.SETTINGS["leaf_min_area"],
        "numeric": "leaf_min_area" in samples.NUMERIC,
        "stage settings": samples.STAGE_SETTINGS["leaves"],
        "setting": settings["leaf_min_area"],
        "params": samples.stage_settings("leaves", settings),
        "kind": "leaves" in disk.OUTPUT_KINDS,
        "bytes": disk.disk_needs(one, {"b1": {"masks", "leaves"}}, False, False, 1).leave
        - disk.disk_needs(one, {"b1": {"masks"}}, False, False, 1).leave,
        "runtime": planning.SECONDS_PER_MEGAPIXEL["leaves (big)"],
        "paths": stages.batch_paths("out")["leaves"],
        "panel": stages.overlay_inputs([leaves], "out"),
    }
    for on in (True, False):
        experiment = Experiment(samples=[], metadata=[], sheet=None, defaults=settings,
                                settings_of={}, switches={"leaves.enabled": on})
        found[f"kinds {on}"] = "leaves" in stages.output_kinds(experiment.runs)
        found[f"columns {on}"] = experiment.csv_columns[-2:]
    print(json.dumps(found))
    """
)


def test_a_new_stage_needs_only_its_declaration():
    env = {**os.environ, "PYTHONPATH": str(ROOT / "scripts")}
    done = subprocess.run([sys.executable, "-c", NEW_STAGE], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=True)
    import json

    found = json.loads(done.stdout)
    assert found["sheet column"] == "leaves.min_area" and found["numeric"]
    assert found["stage settings"] == ["leaf_min_area", "pixel_size"]
    assert found["setting"] == 7
    assert found["params"] == {"leaf_min_area": 7, "pixel_size": None}
    assert found["kind"] and found["bytes"] == 3 * 12345
    assert found["runtime"] == 2.0
    assert found["paths"] == ["out/leaves/{batch}.json", "out/leaves/{batch}"]
    assert found["panel"] == {"leaves_rows": "out/leaves/{batch}.json",
                              "leaves_previews": "out/leaves/{batch}"}
    assert found["kinds True"] and not found["kinds False"]
    assert found["columns True"] == ["leaves", "leaf_area_mean"]
    assert found["columns False"] != found["columns True"]


def test_the_summary_summarises_the_stages_columns():
    experiment = Experiment(samples=[], metadata=[], sheet=None, defaults={"pixel_size": None},
                            settings_of={}, objects=True)
    assert experiment.measured_columns == stages.OBJECT_COLUMNS
    table = pd.DataFrame({"image": ["a", "b"], "ratio": ["0.5", "0.25"], "status": ["ok"] * 2,
                          "objects": ["3", "5"], "object_area_mean": ["2.0", "4.0"],
                          "object_area_median": ["2", "4"], "object_area_max": ["2", "6"],
                          "unlisted": ["1", "2"]})
    summary = summarise(table, [], experiment.measured_columns)
    assert summary["objects_mean"].tolist() == [4.0]
    assert summary["object_area_max_max"].tolist() == [6.0]
    assert not any(column.startswith("unlisted") for column in summary.columns)


def test_every_per_batch_output_is_a_stages():
    # the rules' per-batch paths are the declarations' (common.smk's names)
    text = (ROOT / "workflow" / "rules" / "common.smk").read_text()
    assert "{{batch}}" not in text.split("# --- outputs")[1].split("# --- input functions")[0]
    kinds = stages.output_kinds()
    assert len(kinds) == len(set(kinds))  # a kind is one stage's
    for stage in stages.STAGES.values():
        assert set(stage.disk_bytes) <= set(stage.outputs)
        assert "" in stage.seconds_per_megapixel
