"""The stages of the workflow, each declared once.

(The columns of ``results/ratios.csv`` that each stage gives.)
"""

__all__ = [
    "RESULT_COLUMNS",
    "ROI_COLUMNS",
    "AREA_COLUMNS",
    "OBJECT_COLUMNS",
    "OBJECT_AREA_COLUMNS",
    "RESERVED_COLUMNS",
]

#: The columns of results/ratios.csv before the areas and the metadata.
RESULT_COLUMNS = [
    "image",
    "ratio",
    "threshold",
    "separation",
    "foreground_pixels",
    "total_pixels",
    "method",
    "sigma",
    "grayscale",
    "mask",
    "status",
    "error",
]
#: The column of the regions of interest's pixel counts, where ROIs are given.
ROI_COLUMNS = ["roi_pixels"]
#: The columns of the areas, where a pixel size is known.
AREA_COLUMNS = ["pixel_size_mm", "foreground_area_mm2"]
#: The columns of the objects stage (objects.enabled), and of their areas in
#: mm2 where a pixel size is known (rootmass.measure.objects.OBJECT_STATISTICS).
OBJECT_COLUMNS = ["objects", "object_area_mean", "object_area_median", "object_area_max"]
OBJECT_AREA_COLUMNS = [f"{column}_mm2" for column in OBJECT_COLUMNS[1:]]
#: The columns a sample sheet's metadata may not take.
RESERVED_COLUMNS = (RESULT_COLUMNS + ROI_COLUMNS + AREA_COLUMNS + OBJECT_COLUMNS
                    + OBJECT_AREA_COLUMNS)
