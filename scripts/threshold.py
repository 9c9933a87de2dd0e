"""Rule threshold: compute the threshold t of each blurred image of the batch."""

import sys

from rootmass.io import load_array, save_json
from rootmass.thresholding import threshold_value

sys.stderr = open(snakemake.log[0], "w", encoding="utf-8")
params = snakemake.params
for blurred_path, t_path in zip(snakemake.input.blurred, snakemake.output.thresholds):
    t = threshold_value(
        load_array(blurred_path),
        params.method,
        value=params.value,
        bright_cutoff=params.bright_cutoff,
    )
    save_json(t_path, {"threshold": t, "method": params.method})
    print(f"{blurred_path}: t = {t!r}", file=sys.stderr)
