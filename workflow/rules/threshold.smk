# Stages 2 and 3: each image's threshold value, then its mask and its
# measurement. One job per batch of images: the values and measurements are
# one small table per batch, the masks one folder per batch.


rule threshold:
    input:
        blurred=BLURRED,
        rois=files_of_batch(ROI_OF),
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
        runtime=batch_runtime("save_mask", EXPERIMENT.local_thresholds and "local"),
    params:
        # the mask's, and those written into each row of the measurements
        settings=stage_params("save_mask"),
        rois=files_of_batch(ROI_OF, params=True),
    script:
        "../../scripts/save_mask.py"
