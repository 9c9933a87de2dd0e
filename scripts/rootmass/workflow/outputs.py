"""Outputs: keeping ``results/`` a description of the last run.

A collection's table or figure that this config does not make (the scores
``evaluation*.csv`` once ``truth`` is off, the QC figures of the collection
once ``qc`` is false) would otherwise stay in ``results/`` looking current.
So would the per-image files (masks, figures, previews, labels, tables) of
a batch that this run's plan does not have: it holds images the run no
longer has, or has in another batch (a batch is named by its images).
At the start of a run (the workflow's ``onstart``, never on a dry run) each
is moved aside, into ``results/stale/<when>/<its path in results/>``, and
one line says so: nothing is lost, and ``results/`` holds only what this
config makes. Only the blurred cache of such a batch is deleted (it is
made again from the images, and takes 8 bytes a pixel).

Pure functions, names in and names out, and :func:`move_aside`, which does
the moves; :func:`command_kind` tells from Snakemake's command line whether
it runs jobs at all.
"""

import glob
import os
import posixpath
import re
import shutil
import time

__all__ = [
    "command_kind",
    "stale_outputs",
    "stale_batches",
    "stale_folder",
    "stale_moves",
    "stale_message",
    "move_aside",
    "move_stale",
]

STALE = "stale"

# Snakemake options after which no job runs: the workflow is only parsed,
# drawn, listed, linted, reported on or cleaned up.
INSPECTING = {
    "--report", "--lint", "--dag", "--rulegraph", "--filegraph", "--d3dag",
    "--list-rules", "--list", "-l", "--list-target-rules", "--lt",
    "--summary", "-S", "--detailed-summary", "-D", "--unlock",
    "--list-changes", "--lc", "--list-input-changes", "--li",
    "--list-params-changes", "--lp", "--list-code-changes",
    "--list-untracked", "--lu", "--delete-all-output", "--delete-temp-output",
    "--cleanup-metadata", "--cm", "--cleanup-shadow", "--archive",
    "--containerize", "--print-compilation", "--export-cwl", "--touch", "-t",
    "--conda-create-envs-only", "--conda-cleanup-envs", "--generate-unit-tests",
}


def command_kind(argv):
    """What a Snakemake command line does with the jobs.

    Parameters
    ----------
    argv : sequence of str
        The arguments, without the program's name (``sys.argv[1:]``).

    Returns
    -------
    kind : str
        ``"dry-run"`` (``-n``, ``--dry-run``, ``--dryrun``, or ``n`` in a
        cluster of short flags such as ``-np``), ``"inspect"`` (an option
        after which no job runs, e.g. ``--dag``, ``--lint``, ``--report``,
        ``--touch``), else ``"run"``.
    """
    kind = "run"
    for arg in argv:
        if arg == "--":
            break
        name = arg.split("=", 1)[0]
        if name in INSPECTING:
            return "inspect"
        if name in ("--dry-run", "--dryrun", "-n") or re.fullmatch(r"-[a-zA-Z]*n[a-zA-Z]*", arg):
            kind = "dry-run"
    return kind


def stale_outputs(possible, produced, existing):
    """The outputs to move aside: possible, not produced, and on disk.

    Parameters
    ----------
    possible : iterable of str
        Every collection output that some config makes.
    produced : collection of str
        Those this config makes.
    existing : collection of str
        Those on disk.

    Returns
    -------
    stale : list of str
        In the order of ``possible``.
    """
    produced, existing = set(produced), set(existing)
    return [path for path in possible if path not in produced and path in existing]


BATCH_NAME = re.compile(r"(b[0-9a-f]{12})(\.[a-z]+)?")


def stale_batches(out, folders, plan):
    """The per-batch outputs of batches not in the plan.

    Parameters
    ----------
    out : str
        The results folder.
    folders : iterable of str
        The folders under ``out`` that hold one folder or file per batch,
        named by its id (``masks``, ``qc/images``, ...).
    plan : collection of str
        This run's batch ids.

    Returns
    -------
    stale : list of str
        ``<out>/<folder>/<batch id>[.<ext>]``, sorted.
    """
    plan, stale = set(plan), []
    for folder in folders:
        where = posixpath.join(out, folder)
        try:
            names = sorted(os.listdir(where))
        except OSError:
            continue
        for name in names:
            match = BATCH_NAME.fullmatch(name)
            if match and match.group(1) not in plan:
                stale.append(posixpath.join(where, name))
    return stale


def stale_folder(out, stamp, taken=()):
    """The folder this run moves its stale outputs into:
    ``<out>/stale/<stamp>``, or ``<stamp>-2``, ``-3``, ... if ``taken``
    holds it (two runs in one second)."""
    base = posixpath.join(out, STALE, stamp)
    folder, n = base, 1
    while folder in taken:
        n += 1
        folder = f"{base}-{n}"
    return folder


def stale_moves(stale, out, folder):
    """``[(path, where it goes)]``: each path keeps its place under ``out``
    inside ``folder`` (``results/qc/ratios.png`` to
    ``<folder>/qc/ratios.png``)."""
    moves = []
    for path in stale:
        relative = posixpath.relpath(path, out)
        if relative.startswith(".."):
            raise ValueError(f"{path!r} is not inside {out!r}")
        moves.append((path, posixpath.join(folder, relative)))
    return moves


def stale_message(moves, reasons, folder, dry_run=False, batches=(), deleted=0):
    """The one line that says what was moved aside and why.

    Parameters
    ----------
    moves : sequence of (str, str)
        From :func:`stale_moves`.
    reasons : mapping of str to str
        Why this config does not make a path, e.g. ``"truth is off"``.
    folder : str
    dry_run : bool, optional
        Say what a run would move.
    batches : sequence of (str, str), optional
        The moves of per-batch outputs (:func:`stale_batches`), said by
        batch and folder rather than one by one.
    deleted : int, optional
        How many batches' blurred caches were deleted.

    Returns
    -------
    line : str or None
        None if nothing moves.
    """
    if not moves and not batches and not deleted:
        return None
    grouped = {}
    for path, target in moves:
        grouped.setdefault(reasons.get(path, "not made by this config"), []).append(
            posixpath.relpath(target, folder)
        )
    why = [f"{reason}: {', '.join(names)}" for reason, names in grouped.items()]
    if batches or deleted:
        ids = {BATCH_NAME.match(posixpath.basename(p)).group(1) for p, _ in batches}
        kinds = sorted({posixpath.dirname(posixpath.relpath(t, folder)) + "/" for _, t in batches})
        count = max(len(ids), deleted)
        said = (f"the files of {count} batch{'es' if count != 1 else ''} not in this run's"
                " plan (images it no longer has, or has in other batches)")
        said += f": {', '.join(kinds)}" if kinds else ""
        said += f"; their blurred cache deleted ({deleted})" if deleted else ""
        why.append(said)
    why = "; ".join(why)
    count = len(moves) + len(batches)
    if not count:
        return (
            f"Deleted the blurred cache of {deleted} batch{'es' if deleted != 1 else ''} of an"
            " earlier run that this run's plan does not have (images it no longer has, or has"
            " in other batches), so that results/ holds only this run's"
        )
    return (
        f"{'A run would move' if dry_run else 'Moved'} {count} output{'s' if count != 1 else ''}"
        " of an earlier run that this"
        f" config does not make into {folder}/ ({why}), so that results/ holds only this"
        " run's"
    )


def move_aside(moves):
    """Do the moves (renames within one file system: nothing is copied)."""
    for source, target in moves:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.replace(source, target)


def move_stale(out, possible, produced, dry_run=False, stamp=None, batch_paths=(), plan=None,
               cache="blurred"):
    """Move aside the collection outputs this run does not make.

    Parameters
    ----------
    out : str
        The results folder.
    possible : dict
        ``{path: why this run does not make it}`` of every collection output
        that a config may leave out.
    produced : collection of str
        The outputs this run makes.
    dry_run : bool
        Say what a run would move, and move nothing.
    stamp : str, optional
        The name of the folder under ``<out>/stale/``; default: now.
    batch_paths : iterable of str, optional
        The patterns of the per-batch outputs (``<out>/masks/{batch}``,
        ...), whose folders :func:`stale_batches` looks into.
    plan : collection of str, optional
        This run's batch ids: the per-batch outputs of any other batch are
        moved aside too (none where None).
    cache : str, optional
        The folder of the blurred cache, whose stale batches are deleted.

    Returns
    -------
    str or None
        The line to log, or None where nothing is stale.
    """
    stale = stale_outputs(possible, set(produced), [p for p in possible if os.path.lexists(p)])
    folders = sorted({posixpath.relpath(posixpath.dirname(p), out) for p in batch_paths})
    batches = [] if plan is None else stale_batches(out, folders, plan)
    caches = [p for p in batches if posixpath.dirname(p) == posixpath.join(out, cache)]
    batches = [p for p in batches if p not in caches]
    if not stale and not batches and not caches:
        return None
    taken = set(glob.glob(f"{out}/{STALE}/*"))
    folder = stale_folder(out, stamp or time.strftime("%Y-%m-%dT%H-%M-%S"), taken)
    moves, batch_moves = stale_moves(stale, out, folder), stale_moves(batches, out, folder)
    if not dry_run:
        move_aside(moves + batch_moves)
        for path in caches:
            shutil.rmtree(path, ignore_errors=True)
    return stale_message(moves, possible, folder, dry_run, batch_moves, len(caches))
