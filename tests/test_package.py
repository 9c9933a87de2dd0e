"""The package a learner imports: installed by requirements.txt, the README's
notebook loop exact, its pins requirements.txt's, its modules short, and no
code but the tests' editing sys.path."""

import ast
import re
import subprocess
import sys
import tomllib


from conftest import ROOT, link_images

sys.path.insert(0, str(ROOT / "benchmarks"))
from lesson_loop import measure_root_mass  # noqa: E402  (the lesson's function)

PACKAGE = ROOT / "scripts" / "rootmass"
TRIALS = ["trial-016.jpg", "trial-020.jpg", "trial-216.jpg", "trial-293.jpg"]


def readme_block(heading, language="python"):
    """The first fenced block of ``language`` under a heading of README.md."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return re.search(rf"```{language}\n(.*?)```", section, re.S).group(1)


def test_the_readmes_notebook_loop_prints_the_lessons_numbers(lesson_data, tmp_path):
    """The loop runs in a fresh interpreter, from a folder that is not the
    repository's: `rootmass` is found because requirements.txt installed it."""
    link_images(lesson_data, tmp_path, TRIALS)
    result = subprocess.run([sys.executable, "-c", readme_block("In a notebook")],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    printed = dict(line.split(",") for line in result.stdout.splitlines())
    assert list(printed) == [f"data/{name}" for name in TRIALS]
    for name in TRIALS:
        expected = measure_root_mass(str(tmp_path / "data" / name))[0]  # the lesson's code
        assert printed[f"data/{name}"] == repr(float(expected))


def test_rootmass_imports_from_the_installed_package(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import rootmass, rootmass.demo; print(rootmass.__file__)"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(PACKAGE / "__init__.py")


def requirement_pins(path):
    """{lower-case name: version} of a requirements file's ``name==version``."""
    pins = {}
    for line in path.read_text().splitlines():
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)==([^\s#]+)", line.strip())
        if match:
            pins[match.group(1).lower().replace("_", "-")] = match.group(2)
    return pins


def test_the_packages_dependencies_are_pinned_as_requirements_txt_pins_them():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = requirement_pins(ROOT / "requirements.txt")
    assert project["dependencies"]
    for dependency in project["dependencies"]:
        name, version = dependency.split("==")
        assert pins[name.lower().replace("_", "-")] == version, dependency
    assert "-e ." in (ROOT / "requirements.txt").read_text().splitlines()


def modules():
    return sorted(PACKAGE.rglob("*.py"))


def test_no_module_is_over_600_lines():
    assert len(modules()) > 20
    long = {str(p.relative_to(PACKAGE)): n for p in modules()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600}
    assert long == {}


def test_no_code_outside_the_tests_edits_sys_path():
    """The rule scripts, the Snakefiles and the benchmarks import the
    installed package."""
    files = [ROOT / "Snakefile", *ROOT.glob("workflow/**/*.smk"), *ROOT.glob("scripts/**/*.py"),
             *ROOT.glob("benchmarks/*.py")]
    assert len(files) > 40
    editing = [str(f.relative_to(ROOT)) for f in files
               if "sys.path" in f.read_text(encoding="utf-8")]
    assert editing == []


#: The package's layers: a module imports only from its own unit or from a
#: lower layer (io and the checks; the science: segmentation, measurement,
#: the demo; what reads their results: QC, scoring, summaries; the
#: workflow's machinery).
LAYERS = {
    "rootmass.io": 0,
    "rootmass.blocks": 0,
    "rootmass.segmentation": 1,
    "rootmass.measure": 1,
    "rootmass.regions": 1,
    "rootmass.demo": 1,
    "rootmass.qc": 2,
    "rootmass.evaluation": 2,
    "rootmass.summary": 2,
    "rootmass.traces": 2,
    "rootmass.workflow": 3,
}


def unit(name):
    """The layer's unit a dotted module name belongs to."""
    found = [u for u in LAYERS if name == u or name.startswith(u + ".")]
    assert found, f"{name} is in no layer of LAYERS"
    return max(found, key=len)


def imported_modules(path, scripts=ROOT / "scripts"):
    """A module's dotted name, and every rootmass module it imports, at its
    top or in a function, relative imports resolved."""
    name = ".".join(path.relative_to(scripts).with_suffix("").parts).removesuffix(".__init__")
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                parts = package.split(".")
                base = parts[: len(parts) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            # (from a package, the names may be its modules)
            targets = [module] if node.module and module != "rootmass" else [
                f"{module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            continue
        found.update(t for t in targets if t == "rootmass" or t.startswith("rootmass."))
    return name, found


def against_the_layers(name, targets):
    """The imports of module ``name`` that go up or sideways."""
    if name == "rootmass":
        return []
    return [f"{name} imports {target}" for target in sorted(targets)
            if target == "rootmass" or (
                unit(target) != unit(name) and LAYERS[unit(target)] >= LAYERS[unit(name)])]


def test_imports_go_one_way():
    wrong = [line for path in modules() for line in against_the_layers(*imported_modules(path))]
    assert wrong == []


def test_the_layer_test_finds_imports_against_the_layers(tmp_path):
    """(The test above can fail: relative, absolute and in-function imports
    up and sideways are found, those down and within a unit are not.)"""
    path = tmp_path / "rootmass" / "segmentation" / "x.py"
    path.parent.mkdir(parents=True)
    path.write_text("from ..qc.figures import image_figure\nfrom . import base\n"
                    "from ..io import save_mask\n\n\ndef f():\n"
                    "    import rootmass.workflow.jobs\n    from rootmass import demo\n")
    name, targets = imported_modules(path, tmp_path)
    assert name == "rootmass.segmentation.x"
    assert targets == {"rootmass.qc.figures", "rootmass.segmentation.base", "rootmass.io",
                       "rootmass.workflow.jobs", "rootmass.demo"}
    assert against_the_layers(name, targets) == [
        "rootmass.segmentation.x imports rootmass.demo",
        "rootmass.segmentation.x imports rootmass.qc.figures",
        "rootmass.segmentation.x imports rootmass.workflow.jobs",
    ]
