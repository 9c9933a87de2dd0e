# Quality control, unless `qc: false`: per image a figure of its thresholding
# (one job per batch of images), then contact sheets of every image, the plot
# of every ratio, the CSV as a table, and the method panel of one image. All
# are shown by `snakemake --report results/report.html`.


if config["qc"]:

    rule qc_images:
        input:
            **stages.overlay_inputs(MEASURED, OUT),
            # each image's region of interest, outlined
            # no blurred image: threshold recorded each image's histogram
            previews=PREVIEWS,
            thresholds=THRESHOLDS,
            masks=MASKS,
            measurements=MEASUREMENTS,
            # each measuring stage's rows and pictures at the preview's size
            # (objects, skeletons), for its panel (rootmass.workflow.stages)
            rois=files_of_batch(ROI_OF),
        output:
            figures=report(
                directory(QC_IMAGES),
                # <image path>, .jpg added unless it has it: the report's
                # search finds it by the path (rootmass.workflow.batches.figure_key)
                patterns=["{figure}.jpg"],
                # no caption: Snakemake renders a caption for every file, each
                # with a link target to every other file (quadratic in the
                # number of images); workflow.rst explains the figures
                category=CATEGORIES[stages.STAGES["qc_images"].report],
                subcategory=lambda wildcards: posixpath.dirname(wildcards.figure)
                or ".",
                labels=lambda wildcards: {
                    # the image of the figure's name (rootmass.workflow.batches.figure_key)
                    "image": report_label(
                        EXPERIMENT.image_of_figure.get(
                            wildcards.figure, wildcards.figure
                        )
                    )
                },
            ),
            thumbnails=THUMBNAILS,
        log:
            "logs/qc_images/{batch}.log",
        benchmark:
            "logs/benchmarks/qc_images/{batch}.tsv"
        priority: 3
        group:
            "images"
        conda:
            "../envs/thresholding.yaml"
        threads: 1
        resources:
            mem_mb=batch_mem_mb,
            runtime=batch_runtime("qc_images"),
        params:
            settings=stage_params("qc_images"),
            thumbnail_side=CONTACT_SHEET["cell"],
            rois=files_of_batch(ROI_OF, params=True),
            overlays=[
                (stage.name, stage.overlay) for stage in MEASURED if stage.overlay
            ],
        script:
            "../../scripts/qc_images.py"

    rule contact_sheets:
        input:
            measurements=per_batch(MEASUREMENTS),
            thumbnails=per_batch(THUMBNAILS),
        output:
            sheets=report(
                directory(CONTACT_SHEETS_DIR),
                patterns=["sheet-{page}.jpg"],
                # no caption (one page per 48 images): see workflow.rst
                category=CATEGORIES["collection"],
                subcategory="Contact sheets",
                labels=lambda wildcards: reporting.contact_sheet_labels(
                    CONTACT_SHEET_SPANS, int(wildcards.page)
                ),
            ),
        log:
            "logs/qc/contact_sheets.log",
        conda:
            "../envs/thresholding.yaml"
        threads: 1
        resources:
            mem_mb=1024,
            runtime=max(5, math.ceil(len(IMAGES) / 2000)),
        params:
            pages=len(CONTACT_SHEET_SPANS),
            per_page=CONTACT_SHEET["per_page"],
            columns=CONTACT_SHEET["columns"],
            cell=CONTACT_SHEET["cell"],
        script:
            "../../scripts/contact_sheets.py"

    # (with regions, their ratios by region too: a plate's as a heat map)
    rule qc_ratios:
        input:
            **region_table(),
            csv=rules.aggregate.output.csv,
            summary=rules.summary.output.summary,
        output:
            **{
                "region_plot": report(
                    REGION_PLOT,
                    caption="../report/region_plot.rst",
                    category=CATEGORIES["collection"],
                    subcategory="Regions",
                    labels={"figure": "ratio by region"},
                )
                for _ in region_table()
            },
            plot=report(
                QC_FILES["ratio_plot"],
                caption="../report/ratio_plot.rst",
                category=CATEGORIES["collection"],
                subcategory="Ratios",
                labels={"figure": "ratio per image"},
            ),
            table=report(
                QC_FILES["ratio_table"],
                caption="../report/ratio_table.rst",
                category=CATEGORIES["collection"],
                subcategory="Ratios",
                labels={"figure": "table of ratios"},
            ),
            groups=report(
                QC_FILES["group_plot"],
                caption="../report/group_plot.rst",
                category=CATEGORIES["collection"],
                subcategory="Groups",
                labels={"figure": "ratio by group"},
            ),
            summary=report(
                QC_FILES["summary_table"],
                caption="../report/summary_table.rst",
                category=CATEGORIES["collection"],
                subcategory="Groups",
                labels={"figure": "table of the summary"},
            ),
        log:
            "logs/qc/qc_ratios.log",
        localrule: True
        conda:
            "../envs/thresholding.yaml"
        threads: 1
        resources:
            mem_mb=1024,
            runtime=5,
        params:
            group_by=EXPERIMENT.group_by,
            by_region=BY_REGION,
        script:
            "../../scripts/qc_ratios.py"

    if EXPERIMENT.objects:

        rule qc_objects:
            input:
                csv=rules.aggregate.output.csv,
                objects=OBJECTS_CSV,
            output:
                plot=report(
                    OBJECT_AREA_PLOT,
                    caption="../report/object_areas.rst",
                    category=CATEGORIES[stages.STAGES["objects"].report],
                    subcategory="Objects",
                    labels={"figure": "object area distribution"},
                ),
            log:
                "logs/qc/qc_objects.log",
            localrule: True
            conda:
                "../envs/thresholding.yaml"
            threads: 1
            resources:
                # the areas of every object, and their groups
                mem_mb=1024 + math.ceil(len(IMAGES) / 10),
                runtime=max(5, math.ceil(len(IMAGES) / 2000)),
            params:
                group_by=IMAGE_GROUP_BY,  # (objects.csv has no region)
            script:
                "../../scripts/qc_objects.py"

    rule flagged:
        input:
            # the separation is a column of ratios.csv
            csv=rules.aggregate.output.csv,
            figures=per_batch(QC_IMAGES),
        output:
            csv=report(
                QC_FILES["flagged"],
                caption="../report/flagged.rst",
                category=CATEGORIES["flagged"],
                labels={"image": "flagged.csv", "reasons": "every flagged image"},
            ),
            figures=report(
                directory(FLAGGED_FIGURES),
                patterns=["{rank}.jpg"],
                category=CATEGORIES["flagged"],
                labels=lambda wildcards: reporting.flagged_labels(
                    QC_FILES["flagged"], int(wildcards.rank)
                ),
            ),
        log:
            "logs/qc/flagged.log",
        localrule: True
        conda:
            "../envs/thresholding.yaml"
        threads: 1
        resources:
            mem_mb=collection_mem_mb(),
            runtime=max(5, math.ceil(len(IMAGES) / 5000)),
        params:
            group_by=IMAGE_GROUP_BY,  # (images alike: of one group)
            shown=FLAGGED_SHOWN,
            max_objects=config["objects"]["max_objects"] if EXPERIMENT.objects else None,
        script:
            "../../scripts/flagged.py"

    rule method_panel:
        input:
            blurred=BLURRED.format(batch=BATCH_OF_IMAGE[METHOD_PANEL_IMAGE]),
            previews=PREVIEWS.format(batch=BATCH_OF_IMAGE[METHOD_PANEL_IMAGE]),
            roi=input_files(
                [ROI_OF[METHOD_PANEL_IMAGE]] if METHOD_PANEL_IMAGE in ROI_OF else [],
                in_demo_dir,
            ),
        output:
            plot=report(
                QC_FILES["method_panel"],
                caption="../report/method_panel.rst",
                category=CATEGORIES["methods"],
                labels={"image": report_label(METHOD_PANEL_IMAGE)},
            ),
            table=QC_FILES["method_table"],
        log:
            "logs/qc/method_panel.log",
        # with keep_blurred: false (or auto where the cache does not fit),
        # before the next batch's blur, like the batch's own stages: its
        # batch's blurred images are deleted once it is done, not kept until
        # the end of the run; with the cache kept, after the stages of the
        # batches that are blurred (priorities 1 to 3), before the other
        # batches' blur and the collection's jobs (0), beside which it then
        # runs (on 2 cores, 2 batches: not holding one batch's stages back by
        # its 4 s, nor running alone at the end)
        priority: 1 if not CACHE.keep else 0.5
        conda:
            "../envs/thresholding.yaml"
        threads: 1
        resources:
            # every method: threshold_sauvola's float64 copies of the image
            mem_mb=planning.methods_mem_mb(
                "method_panel", [SIZES[METHOD_PANEL_IMAGE]], []
            ),
            runtime=5,
        params:
            image=given(METHOD_PANEL_IMAGE),
            # the image's own (the panel shows the exclusion methods too)
            foreground=EXPERIMENT.settings(METHOD_PANEL_IMAGE)["foreground"],
            bright_cutoff=EXPERIMENT.settings(METHOD_PANEL_IMAGE)["bright_cutoff"],
            markers=EXPERIMENT.markers(METHOD_PANEL_IMAGE),
            parameters=EXPERIMENT.parameters(METHOD_PANEL_IMAGE),
            roi=given(ROI_OF.get(METHOD_PANEL_IMAGE)),
        script:
            "../../scripts/method_panel.py"
