"""Rule plan: the record of a new plan (its batches' images and the
collection outputs it makes), for a person to read, and one line in the
job's log naming it (rootmass.workflow.planning.write_plan)."""

from rootmass.workflow.planning import write_plan

write_plan(snakemake.output[0], snakemake.params.batches, snakemake.params.made,
           snakemake.log[0])
