"""Rule qc_objects: the distribution of the objects' areas by group
(rootmass.qc.plots.object_area_figure), from results/objects.csv (only its
image and area columns and the groups') and results/ratios.csv (which
images have a result, and their groups)."""

import pandas as pd

from rootmass.io import save_figure
from rootmass.workflow.jobs import job_log
from rootmass.qc.plots import object_area_figure, settings_text

group_by = list(snakemake.params.group_by)
with job_log(snakemake.log[0]):
    ratios = pd.read_csv(snakemake.input.csv, dtype=str, keep_default_na=False)
    ok = ratios[ratios["status"] == "ok"]
    # (only the areas and the groups: a few million rows at 10,000 images)
    objects = pd.read_csv(snakemake.input.objects, usecols=["area", *group_by],
                          dtype={"area": float, **dict.fromkeys(group_by, str)},
                          keep_default_na=False)
    labels, areas, images = [], [], []
    if group_by:
        by_group = {key: values.to_numpy()
                    for key, values in objects.groupby(group_by, sort=False)["area"]}
        for key, members in ok.groupby(group_by, sort=True):
            labels.append(", ".join(key))
            areas.append(by_group.get(key, []))
            images.append(len(members))
    else:
        labels, areas, images = ["all images"], [objects["area"].to_numpy()], [len(ok)]
    figure = object_area_figure(labels, areas, images,
                                settings_text(ratios.to_dict("records")))
    save_figure(snakemake.output.plot, figure, dpi=100)
