# Stages 2 and 3: each image's threshold value, then its mask and its
# measurement. One job per batch of images: the values and measurements are
# one small table per batch, the masks one folder per batch.
#
# A segmenter that fits the whole collection first (its scope: "collection")
# has its model made once a run, by rule fit_segmenter, from the blurred
# images of the batches that hold an image using it; their threshold and
# save_mask jobs take it as input (rootmass.workflow.models). Without such a
# method there is no such rule, and no such input.


rule threshold:
    input:
        blurred=BLURRED,
        rois=files_of_batch(ROI_OF),
        models=lambda w: models.batch_models(
            EXPERIMENT, BATCHES[w.batch], OUT, step="threshold"
        ),
    output:
        thresholds=THRESHOLDS,
    log:
        "logs/threshold/{batch}.log",
    benchmark:
        "logs/benchmarks/threshold/{batch}.tsv"
    priority: 1
    group:
        "images"
    conda:
        "../envs/thresholding.yaml"
    threads: 1
    resources:
        mem_mb=batch_mem_mb,
        runtime=batch_runtime("threshold"),
    params:
        settings=stage_params("threshold"),
        rois=files_of_batch(ROI_OF, params=True),
    script:
        "../../scripts/threshold.py"


rule save_mask:
    input:
        blurred=BLURRED,
        thresholds=THRESHOLDS,
        rois=files_of_batch(ROI_OF),
        models=lambda w: models.batch_models(EXPERIMENT, BATCHES[w.batch], OUT),
    output:
        masks=directory(MASKS),
        measurements=MEASUREMENTS,
    log:
        "logs/save_mask/{batch}.log",
    benchmark:
        "logs/benchmarks/save_mask/{batch}.tsv"
    priority: 2
    group:
        "images"
    conda:
        "../envs/thresholding.yaml"
    threads: 1
    resources:
        # (more where a local threshold runs: rootmass.workflow.planning)
        mem_mb=lambda wildcards: planning.methods_mem_mb(
            "save_mask",
            [SIZES[i] for i in BATCHES[wildcards.batch]],
            [EXPERIMENT.settings(i)["method"] for i in BATCHES[wildcards.batch]],
        ),
        # (its methods' own cost where higher: rootmass.workflow.planning)
        runtime=lambda wildcards: planning.batch_runtime(
            planning.save_mask_cost(
                [EXPERIMENT.settings(i)["method"] for i in BATCHES[wildcards.batch]]
            ),
            [SIZES[i] for i in BATCHES[wildcards.batch]],
        ),
    params:
        # the mask's, and those written into each row of the measurements
        settings=stage_params("save_mask"),
        rois=files_of_batch(ROI_OF, params=True),
        region_threshold=EXPERIMENT.regions.threshold,
    script:
        "../../scripts/save_mask.py"


if EXPERIMENT.collection_methods:

    rule fit_segmenter:
        input:
            unpack(lambda w: models.fit_inputs(EXPERIMENT, BATCHES, w.method, BLURRED)),
        output:
            model=f"{OUT}/models/{{method}}{{suffix}}",
        log:
            "logs/fit_segmenter/{method}{suffix}.log",
        benchmark:
            "logs/benchmarks/fit_segmenter/{method}{suffix}.tsv"
        wildcard_constraints:
            method=r"[A-Za-z0-9_]+",
            suffix=r"\.(json|pickle)",
        priority: 1
        conda:
            "../envs/thresholding.yaml"
        threads: 1
        resources:
            mem_mb=lambda w: models.fit_mem_mb(EXPERIMENT, w.method, SIZES),
            runtime=lambda w: models.fit_runtime(EXPERIMENT, w.method, SIZES),
        params:
            method=lambda w: w.method,
            fitted=lambda w: EXPERIMENT.fit_params(w.method),
        script:
            "../../scripts/fit_segmenter.py"
