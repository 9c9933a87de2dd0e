"""Synthetic, lesson-like demo images: bright roots on a dark background, and
colony plates.

The Data Carpentry thresholding lesson measures the root mass in photos of
maize roots: bright, branching roots on a dark background, with a white
circle and a white numbered label that are not roots. The functions here
draw deterministic images of that kind together with their ground truth
(the roots only), so the workflow can be run and checked without the
lesson's photos. Nothing here reads or writes files.

    image, truth = synthetic_root_image((600, 900), seed=demo_seed(2026, 3), label=3)

Each root image's true total root length, the length of its roots' visible
centre lines, is known without drawing it (:func:`synthetic_root_length`),
for checking a length measured on the image or its truth.

The demo's colony plates imitate the lesson's capstone (bacteria colony
counting): dark round colonies on a dish, some touching, each drawn in the
truth with its own label, so that the true count is known
(:func:`synthetic_colony_plate`, :data:`PLATE_SETTINGS`).

Two more scenes (:data:`DEMO_SCENES`, :func:`demo_image`) test what a
global threshold of the luma cannot do: the same root photos under a lamp's
uneven light (:func:`illumination_field`), for a local threshold; and green
seedlings on textured soil (:func:`synthetic_seedling_image`), for the
excess-green index.
"""

from rootmass.demo.experiment import (
    DEMO_CONDITIONS,
    DEMO_SCENES,
    PLATE_CONDITION,
    PLATE_SEED_OFFSET,
    PLATE_SETTINGS,
    demo_file_names,
    demo_image,
    demo_plate_names,
    demo_record,
    demo_root_settings,
    demo_samples,
    demo_seed,
    plate_settings,
)
from rootmass.demo.plates import plate_colony_count, synthetic_colony_plate
from rootmass.demo.roots import synthetic_root_image, synthetic_root_length
from rootmass.demo.scenes import illumination_field, synthetic_seedling_image

__all__ = [
    "synthetic_root_image",
    "synthetic_root_length",
    "illumination_field",
    "synthetic_seedling_image",
    "demo_image",
    "DEMO_SCENES",
    "synthetic_colony_plate",
    "plate_colony_count",
    "demo_file_names",
    "demo_plate_names",
    "demo_seed",
    "DEMO_CONDITIONS",
    "PLATE_CONDITION",
    "PLATE_SETTINGS",
    "PLATE_SEED_OFFSET",
    "plate_settings",
    "demo_root_settings",
    "demo_record",
    "demo_samples",
]
