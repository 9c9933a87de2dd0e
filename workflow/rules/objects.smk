# Stage 4, unless `objects: {enabled: false}`: each mask's objects (its
# connected components), counted and measured, one job per batch of images;
# then every object in one CSV, with each image's metadata.


if EXPERIMENT.objects:

    rule objects:
        input:
            masks=MASKS,
            measurements=MEASUREMENTS,
        output:
            counts=OBJECT_COUNTS,
            table=OBJECT_TABLES,
            previews=directory(LABEL_PREVIEWS),
        log:
            "logs/objects/{batch}.log",
        benchmark:
            "logs/benchmarks/objects/{batch}.tsv"
        priority: 2
        group:
            "images"
        conda:
            "../envs/thresholding.yaml"
        threads: 1
        resources:
            mem_mb=lambda wildcards: planning.batch_mem_mb(
                [SIZES[i] for i in BATCHES[wildcards.batch]],
                copies=10 if config["objects"]["declump"] else 5,
            ),
            runtime=batch_runtime(
                "objects",
                (config["objects"]["declump"] and "declump")
                or (config["objects"]["shape_measures"] and "shape measures"),
            ),
        params:
            settings=stage_params("objects"),
            max_objects=config["objects"]["max_objects"],
            shape=EXPERIMENT.shape_measures,
            columns=EXPERIMENT.object_table_columns,
            preview_side=PREVIEW_SIDE,
        script:
            "../../scripts/objects.py"

    rule aggregate_objects:
        input:
            # (the batches are in the order of their first images: so are
            # the rows of objects.csv)
            tables=per_batch(OBJECT_TABLES),
            sheet=EXPERIMENT.sheet_inputs(),
        output:
            # (not in the report: a few million rows at 10,000 images; the
            # report has the plot of their areas)
            csv=OBJECTS_CSV,
        log:
            "logs/aggregate_objects.log",
        localrule: True
        conda:
            "../envs/thresholding.yaml"
        threads: 1
        resources:
            mem_mb=1024,
            runtime=max(10, math.ceil(len(IMAGES) / 1000)),
        params:
            metadata=EXPERIMENT.metadata,
            sheet=EXPERIMENT.sheet,
            schema=SHEET_SCHEMA,
        script:
            "../../scripts/aggregate_objects.py"
