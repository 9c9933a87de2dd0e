# Stage 5, where roots.measure (or a sheet's measure_roots) asks for it: each
# mask's skeleton, and from it the roots' length, tips, branch points,
# diameters, surface area, volume and length by diameter class, one job per
# batch of images.


if EXPERIMENT.roots:

    rule roots:
        input:
            masks=MASKS,
            measurements=MEASUREMENTS,
        output:
            traits=ROOT_TRAITS,
            skeletons=directory(SKELETONS),
        log:
            "logs/roots/{batch}.log",
        benchmark:
            "logs/benchmarks/roots/{batch}.tsv"
        priority: 2
        group:
            "images"
        conda:
            "../envs/thresholding.yaml"
        threads: 1
        resources:
            # measured: 1.1 GB at most for a 150-megapixel mask, under one
            # float64 copy of it (benchmarks/roots.py)
            mem_mb=lambda wildcards: planning.batch_mem_mb(
                [SIZES[i] for i in BATCHES[wildcards.batch]], copies=3
            ),
            runtime=batch_runtime("roots"),
        params:
            settings=stage_params("roots"),
            preview_side=PREVIEW_SIDE,
        script:
            "../../scripts/roots.py"
