# Regions within each image (config key regions): each region a sample of
# its own. grayscale_blur draws every image's regions and measures their
# colours, save_mask their foreground, the objects and roots stages their
# objects and traits; here, a row per image x region in one CSV, with the
# image's metadata and the region's (rootmass.workflow.regions).


if EXPERIMENT.regions:

    rule aggregate_regions:
        input:
            **{stage.name: per_batch(rows) for stage, rows in MEASURED.items()},
            measurements=per_batch(MEASUREMENTS),
            sheet=EXPERIMENT.sheet_inputs(),
            metadata=EXPERIMENT.regions.metadata_table or [],
        output:
            csv=report(
                REGIONS_CSV,
                caption="../report/regions.rst",
                category=CATEGORIES["collection"],
                subcategory="Regions",
                labels={"figure": "regions.csv"},
            ),
        log:
            "logs/aggregate_regions.log",
        localrule: True
        conda:
            "../envs/thresholding.yaml"
        threads: 1
        resources:
            mem_mb=collection_mem_mb(),
            runtime=max(10, math.ceil(len(IMAGES) / 1000)),
        params:
            columns=REGION_COLUMNS,
            metadata=EXPERIMENT.metadata,
            sheet=EXPERIMENT.sheet,
            schema=SHEET_SCHEMA,
            region_metadata=EXPERIMENT.regions.metadata_table,
        script:
            "../../scripts/aggregate_regions.py"

    if config["qc"]:

        rule qc_regions:
            input:
                csv=REGIONS_CSV,
            output:
                plot=report(
                    REGION_PLOT,
                    caption="../report/region_plot.rst",
                    category=CATEGORIES["collection"],
                    subcategory="Regions",
                    labels={"figure": "ratio by region"},
                ),
            log:
                "logs/qc/qc_regions.log",
            localrule: True
            conda:
                "../envs/thresholding.yaml"
            threads: 1
            resources:
                mem_mb=collection_mem_mb(),
                runtime=5,
            script:
                "../../scripts/qc_regions.py"
