# Quality control, unless `qc: false`: per image a figure of its thresholding
# (one job per batch of images), then contact sheets of every image, the plot
# of every ratio, the CSV as a table, and the method panel of one image. All
# are shown by `snakemake --report results/report.html`.

if config["qc"]:

    for batch in BATCHES:

        rule:
            name:
                f"qc_images_{batch.id}"
            input:
                trackable(batch.images),
                blurred=blurred_dir(batch),
                masks=paths(mask_path, batch.images),
                measurements=measurement_table(batch),
            output:
                plots=[
                    report(
                        qc_plot_path(image),
                        caption="../report/image_qc.rst",
                        category="Per image",
                        subcategory=posixpath.dirname(image_key(image)) or ".",
                        labels={"image": report_label(image)},
                    )
                    for image in batch.images
                ],
                thumbnails=thumbnail_table(batch),
            params:
                on_error=config["on_error"],
                method=config["threshold"]["method"],
                foreground=config["threshold"]["foreground"],
                bright_cutoff=config["threshold"]["bright_cutoff"],
                thumbnail_side=CONTACT_SHEET["cell"],
            log:
                f"logs/qc_images/{batch.id}.log",
            threads: 1
            resources:
                mem_mb=batch_mem_mb(batch),
                runtime=batch_runtime(batch, "qc_images"),
            group:
                "images"
            conda:
                "../envs/thresholding.yaml"
            script:
                "../../scripts/qc_images.py"

    rule contact_sheets:
        input:
            measurements=[measurement_table(batch) for batch in BATCHES],
            thumbnails=[thumbnail_table(batch) for batch in BATCHES],
        output:
            sheets=[
                report(
                    path,
                    caption="../report/contact_sheet.rst",
                    category="Collection",
                    subcategory="Contact sheets",
                    labels={"sheet": f"{i + 1} of {len(CONTACT_SHEETS)}", "images": span},
                )
                for i, (path, span) in enumerate(CONTACT_SHEETS)
            ],
        params:
            per_page=CONTACT_SHEET["per_page"],
            columns=CONTACT_SHEET["columns"],
            cell=CONTACT_SHEET["cell"],
        log:
            "logs/qc/contact_sheets.log",
        threads: 1
        resources:
            mem_mb=1024,
            runtime=max(5, math.ceil(len(IMAGES) / 2000)),
        conda:
            "../envs/thresholding.yaml"
        script:
            "../../scripts/contact_sheets.py"

    rule qc_ratios:
        input:
            csv=rules.aggregate.output.csv,
        output:
            plot=report(
                QC_FILES["ratio_plot"],
                caption="../report/ratio_plot.rst",
                category="Collection",
                subcategory="Ratios",
                labels={"figure": "ratio per image"},
            ),
            table=report(
                QC_FILES["ratio_table"],
                caption="../report/ratio_table.rst",
                category="Collection",
                subcategory="Ratios",
                labels={"figure": "table of ratios"},
            ),
        log:
            "logs/qc/qc_ratios.log",
        threads: 1
        resources:
            mem_mb=1024,
            runtime=5,
        localrule: True
        conda:
            "../envs/thresholding.yaml"
        script:
            "../../scripts/qc_ratios.py"

    rule method_panel:
        input:
            trackable([METHOD_PANEL_IMAGE]),
        output:
            plot=report(
                QC_FILES["method_panel"],
                caption="../report/method_panel.rst",
                category="Method panel",
                labels={"image": report_label(METHOD_PANEL_IMAGE)},
            ),
            table=QC_FILES["method_table"],
        params:
            image=given(METHOD_PANEL_IMAGE),
            on_error=config["on_error"],
            grayscale=config["grayscale"],
            sigma=config["sigma"],
            foreground=config["threshold"]["foreground"],
            bright_cutoff=config["threshold"]["bright_cutoff"],
        log:
            "logs/qc/method_panel.log",
        threads: 1
        resources:
            # threshold_li holds three float64 copies of the image
            mem_mb=256 + math.ceil(6 * 8 * megapixels(METHOD_PANEL_IMAGE)),
            runtime=5,
        conda:
            "../envs/thresholding.yaml"
        script:
            "../../scripts/method_panel.py"

