# Thresholding workflow: grayscale and blur, threshold, save the mask and the
# foreground ratio, count and measure the mask's objects, measure its roots
# (each stage one rule, one job per batch of images), then one CSV of every
# image's ratio, objects and roots, one of every object, and figures to check
# them by eye.
# See README.md. Rules live in workflow/rules/, one file per stage.

import os

from snakemake.utils import min_version

min_version("9.27")


# the workflow's own defaults (found from this file, also as a module)
configfile: os.path.join(str(workflow.current_basedir), "config", "config.yaml")


include: "workflow/rules/common.smk"
include: "workflow/rules/demo.smk"
include: "workflow/rules/preprocess.smk"
include: "workflow/rules/threshold.smk"
include: "workflow/rules/objects.smk"
include: "workflow/rules/roots.smk"
include: "workflow/rules/aggregate.smk"
include: "workflow/rules/evaluate.smk"
include: "workflow/rules/qc.smk"


report: "workflow/report/workflow.rst"


rule all:
    default_target: True
    input:
        rules.aggregate.output,
        rules.summary.output,
        object_outputs(),
        region_outputs(),
        evaluation_outputs(),
        qc_outputs(),
        PLAN_RECORD,


# A new plan (other batches, or other outputs of the collection) is a job, so
# that a run starts (onstart) and moves aside what it no longer makes, even
# where every output it makes is up to date. A script, not a run: block,
# which Snakemake would run in a snakemake process of its own (2.4 s).
rule plan:
    output:
        PLAN_RECORD,
    log:
        "logs/plan.log",
    localrule: True
    conda:
        "workflow/envs/thresholding.yaml"
    params:
        batches=BATCHES,
        made=made_outputs(),
    script:
        "scripts/plan.py"


onstart:
    on_start()


onsuccess:
    on_success()


onerror:
    runs.end_scheduler_timers(workflow.scheduler)
