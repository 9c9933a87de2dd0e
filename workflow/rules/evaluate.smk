# Scores against ground truth, for the images that have a truth mask (config
# key truth, or the sample sheet's column truth; the demo's own by default):
# per batch, the configured mask's scores and every method's; then the
# tables of the collection and the plot of F1 by method.


if TRUTH_OF:

    rule evaluate:
        input:
            blurred=BLURRED,
            masks=MASKS,
            measurements=MEASUREMENTS,
            # the configured mask's count (objects stage)
            counts=OBJECT_COUNTS if EXPERIMENT.objects else [],
            truth=files_of_batch(TRUTH_OF),
            rois=files_of_batch(ROI_OF),
            # the classifier's model, for its cross-validated scores
            models=lambda w: models.batch_models(EXPERIMENT, BATCHES[w.batch], OUT),
            # evaluate_grayscale: the images, read again for their channels
            images=batch_inputs if config["evaluate_grayscale"] else [],
        output:
            scores=EVALUATION,
        log:
            "logs/evaluate/{batch}.log",
        benchmark:
            "logs/benchmarks/evaluate/{batch}.tsv"
        priority: 2
        group:
            "images"
        conda:
            "../envs/thresholding.yaml"
        threads: 1
        resources:
            mem_mb=lambda wildcards: planning.methods_mem_mb(
                "evaluate", [SIZES[i] for i in BATCHES[wildcards.batch]], []
            ),
            runtime=batch_runtime(
                "evaluate",
                EXPERIMENT.objects and config["objects"]["declump"] and "declump",
                EXPERIMENT.roots and "roots",
                times=len(config["evaluate_grayscale"] or [None]),
            ),
        params:
            # per scored image: its truth file and settings
            images=lambda wildcards: EXPERIMENT.evaluation_params(
                BATCHES[wildcards.batch]
            ),
            grayscales=config["evaluate_grayscale"] or [],
            trace_tolerance=config["trace_tolerance"],
        script:
            "../../scripts/evaluate.py"

    rule evaluation:
        input:
            scores=[EVALUATION.format(batch=name) for name in EVALUATION_BATCHES],
        output:
            images=report(
                EVALUATION_FILES["images"],
                caption="../report/evaluation.rst",
                category=CATEGORIES[stages.STAGES["evaluate"].report],
                labels={"figure": "evaluation.csv"},
            ),
            methods=report(
                EVALUATION_FILES["methods"],
                caption="../report/evaluation_methods.rst",
                category=CATEGORIES[stages.STAGES["evaluate"].report],
                labels={"figure": "evaluation-methods.csv"},
            ),
            plot=report(
                EVALUATION_FILES["plot"],
                caption="../report/evaluation_plot.rst",
                category=CATEGORIES[stages.STAGES["evaluate"].report],
                labels={"figure": "F1 by method"},
            ),
        log:
            "logs/evaluation.log",
        localrule: True
        conda:
            "../envs/thresholding.yaml"
        threads: 1
        resources:
            mem_mb=1024,
            runtime=5,
        script:
            "../../scripts/evaluation.py"
