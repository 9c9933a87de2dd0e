# Stage 1: grayscale and blur. One job per batch of images: the blurred
# images (the cache that threshold changes reuse), small previews of the
# originals and, for larger images, a detail at full size (for the QC
# figures, which then need not decode them again).


rule grayscale_blur:
    input:
        batch_inputs,
        # (a label image per image, with regions.source labels)
        files_of_batch(EXPERIMENT.regions.files),
    output:
        blurred=blurred_output(),
        previews=directory(PREVIEWS),
    log:
        "logs/grayscale_blur/{batch}.log",
    benchmark:
        "logs/benchmarks/grayscale_blur/{batch}.tsv"
    group:
        # alone where a collection step reads the batch's images: its model
        # is an input of the batch's threshold job, and Snakemake refuses a
        # group that a job outside both feeds and depends on (threshold.smk)
        lambda w: (
            None
            if models.feeds_collection_step(EXPERIMENT, BATCHES[w.batch])
            else "images"
        )
    conda:
        "../envs/thresholding.yaml"
    threads: 1
    resources:
        mem_mb=batch_mem_mb,
        runtime=batch_runtime("grayscale_blur"),
    params:
        # every image of the batch, braces too
        images=lambda wildcards: BATCHES[wildcards.batch],
        settings=stage_params("grayscale_blur"),
        preview_side=PREVIEW_SIDE,
        detail_side=DETAIL_SIDE,
        oversized=oversized_images,
        regions=lambda w: EXPERIMENT.regions.batch_sets(BATCHES[w.batch]),
    script:
        "../../scripts/grayscale_blur.py"
