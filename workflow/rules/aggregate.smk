# The collection: every per-image measurement in one CSV, with provenance.


rule aggregate:
    input:
        measurements=per_batch(MEASUREMENTS),
    output:
        csv=report(
            f"{OUT}/ratios.csv",
            caption="../report/ratios.rst",
            category="Collection",
            subcategory="Ratios",
            labels={"figure": "ratios.csv"},
        ),
        provenance=f"{OUT}/provenance.json",
    params:
        columns=CSV_COLUMNS,
    log:
        "logs/aggregate.log",
    threads: 1
    resources:
        mem_mb=512,
        runtime=10,
    localrule: True
    conda:
        "../envs/thresholding.yaml"
    script:
        "../../scripts/aggregate.py"
