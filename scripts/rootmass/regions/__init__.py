"""Regions within an image, each measured as a sample of its own: the wells
of a plate (a grid, or a list of circles), the plants of a tray (a label
image), depth bands, and the dish of a plate found in the image itself.

A region set is plain data (:func:`rootmass.regions.layout.resolve`), so that
each job can draw the same labels again from it; :func:`region_labels` draws
them, one positive integer per region, 0 outside every region.
"""
