# Stages 2 and 3: each image's threshold value, then its mask and its
# measurement. One job per batch of images: the values and measurements are
# one small table per batch, the masks one folder per batch.
#
# A segmenter that fits the whole collection first (its scope: "collection")
# has its model made once a run, by rule fit_segmenter, from the blurred
# images of the batches that hold an image using it; their threshold and
# save_mask jobs take it as input (rootmass.workflow.models). Without such a
# method there is no such rule, and no such input.
MODEL = f"{OUT}/models/{{model}}"


def batch_models(wildcards):
    return models.batch_models(EXPERIMENT, BATCHES[wildcards.batch], OUT)


def fitted(wildcards):
    """fit_segmenter's method and its params (rootmass.workflow.experiment)."""
    method = models.model_method(wildcards.model)
    return method, EXPERIMENT.fit_params(method)


def fitted_inputs(wildcards):
    """The blurred folders a model is fitted on, and its images' ROIs and
    truth masks."""
    method, params = fitted(wildcards)
    batches = models.fitted_batches(EXPERIMENT, BATCHES, method)
    files = [*params["rois"].values(), *params["truth"].values()]
    return dict(
        blurred=[BLURRED.format(batch=b) for b in batches],
        annotations=input_files(files, in_demo_dir),
    )


rule threshold:
    input:
        blurred=BLURRED,
        rois=files_of_batch(ROI_OF),
        models=batch_models,
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
        models=batch_models,
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
        runtime=batch_runtime(
            "save_mask (local)" if EXPERIMENT.local_thresholds else "save_mask"
        ),
    params:
        # the mask's, and those written into each row of the measurements
        settings=stage_params("save_mask"),
        rois=files_of_batch(ROI_OF, params=True),
    script:
        "../../scripts/save_mask.py"


if EXPERIMENT.collection_methods:

    rule fit_segmenter:
        input:
            unpack(fitted_inputs),
        output:
            model=MODEL,
        log:
            "logs/fit_segmenter/{model}.log",
        benchmark:
            "logs/benchmarks/fit_segmenter/{model}.tsv"
        wildcard_constraints:
            model=r"[A-Za-z0-9_]+\.(json|pickle)",
        priority: 1
        conda:
            "../envs/thresholding.yaml"
        threads: 1
        resources:
            mem_mb=lambda w: models.fit_mem_mb(EXPERIMENT, fitted(w)[0], SIZES),
            runtime=lambda w: models.fit_runtime(EXPERIMENT, fitted(w)[0], SIZES),
        params:
            method=lambda w: fitted(w)[0],
            fitted=lambda w: fitted(w)[1],
        script:
            "../../scripts/fit_segmenter.py"
