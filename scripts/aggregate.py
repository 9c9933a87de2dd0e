"""Rule aggregate: collect the per-image measurements into one CSV, sorted by
image path, with a provenance record beside it."""

import sys

import pandas as pd

from rootmass.io import atomic_path, load_json, save_json
from rootmass.provenance import provenance

sys.stderr = open(snakemake.log[0], "w", encoding="utf-8")
rows = [load_json(path) for path in snakemake.input.measurements]
table = pd.DataFrame(rows, columns=snakemake.params.columns).sort_values(
    "image", kind="stable"
)
# repr keeps every digit of a float (pandas' default formatting may not)
for column in ("ratio", "threshold"):
    table[column] = table[column].map(repr)
with atomic_path(snakemake.output.csv, ".csv") as tmp:
    table.to_csv(tmp, index=False)
save_json(snakemake.output.provenance, provenance(snakemake.config, len(table)))
print(f"{len(table)} images -> {snakemake.output.csv}", file=sys.stderr)
