# The collection: every per-image measurement in one CSV, with provenance and
# each image's metadata from the sample sheet (and, with regions, every
# region's in a second CSV, with the region's metadata too); then the summary
# per group.


# with each measuring stage's rows (input objects=..., roots=...); with
# regions, regions.csv too, a row per image x region (rootmass.workflow.regions)
rule aggregate:
    input:
        **{stage.name: per_batch(rows) for stage, rows in MEASURED.items()},
        measurements=per_batch(MEASUREMENTS),
        sheet=EXPERIMENT.sheet_inputs(),
        region_metadata=EXPERIMENT.regions.metadata_table or [],
    output:
        **{
            name: report(
                path,
                caption="../report/regions.rst",
                category=CATEGORIES["collection"],
                subcategory="Regions",
                labels={"figure": "regions.csv"},
            )
            for name, path in region_table().items()
        },
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
        merges=[(stage.name, stage.merge) for stage in MEASURED],
        metadata=EXPERIMENT.metadata,
        sheet=EXPERIMENT.sheet,
        schema=SHEET_SCHEMA,
        region_columns=REGION_COLUMNS,
    script:
        "../../scripts/aggregate.py"


# (of the regions, where group_by names a region's metadata)
rule summary:
    input:
        csv=REGIONS_CSV if BY_REGION else rules.aggregate.output.csv,
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
        quantities=REGION_MEASURED if BY_REGION else EXPERIMENT.measured_columns,
    script:
        "../../scripts/summary.py"
