# The collection: every per-image measurement in one CSV, with provenance and
# each image's metadata from the sample sheet; then the summary per group.


rule aggregate:
    input:
        measurements=per_batch(MEASUREMENTS),
        # each image's objects, with the objects stage
        counts=per_batch(OBJECT_COUNTS) if EXPERIMENT.objects else [],
        # each image's root traits, with the roots stage
        roots=per_batch(ROOT_TRAITS) if EXPERIMENT.roots else [],
        sheet=EXPERIMENT.sheet_inputs(),
    output:
        csv=report(
            f"{OUT}/ratios.csv",
            caption="../report/ratios.rst",
            category=CATEGORIES["collection"],
            subcategory="Ratios",
            labels={"figure": "ratios.csv"},
        ),
        provenance=f"{OUT}/provenance.json",
    log:
        "logs/aggregate.log",
    localrule: True
    conda:
        "../envs/thresholding.yaml"
    threads: 1
    resources:
        mem_mb=collection_mem_mb(),
        runtime=10,
    params:
        columns=EXPERIMENT.csv_columns,
        metadata=EXPERIMENT.metadata,
        sheet=EXPERIMENT.sheet,
        schema=SHEET_SCHEMA,
    script:
        "../../scripts/aggregate.py"


rule summary:
    input:
        csv=rules.aggregate.output.csv,
    output:
        summary=report(
            f"{OUT}/summary.csv",
            caption="../report/summary.rst",
            category=CATEGORIES["collection"],
            subcategory="Groups",
            labels={"figure": "summary.csv"},
        ),
    log:
        "logs/summary.log",
    localrule: True
    conda:
        "../envs/thresholding.yaml"
    threads: 1
    resources:
        mem_mb=collection_mem_mb(),
        runtime=10,
    params:
        group_by=EXPERIMENT.group_by,
    script:
        "../../scripts/summary.py"
