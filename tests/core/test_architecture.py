"""The layers hold (../shared/DESIGN.md "Architecture"): ``lint-imports`` checks the
contracts in pyproject.toml; these tests add what a contract cannot say."""

from __future__ import annotations

import ast
import pathlib
import re
import tomllib

import grimp

ROOT = pathlib.Path(__file__).resolve().parents[2]
APP = ROOT / "app"
# An import inside a function must say on its line why no other shape works.
REASON = "# import here:"
# ``app.extensions`` belongs to core (DESIGN.md): the extensions are made with core's
# declarative base, and core's modules use them.
PART_OF = {"extensions": "core"}


def package_of(module: str) -> str:
    name = module.split(".")[1] if "." in module else "app"
    return PART_OF.get(name, name)


def package_graph() -> dict[str, set[str]]:
    """Which package of app/ imports which other package of app/ (function-level
    imports included: grimp reads every import statement)."""
    graph = grimp.build_graph("app", include_external_packages=False, cache_dir=None)
    edges: dict[str, set[str]] = {}
    for importer in graph.modules:
        source = package_of(importer)
        if source == "app":
            continue  # the factory: it names every package and no package imports it
        for imported in graph.find_modules_directly_imported_by(importer):
            target = package_of(imported)
            if target != source:
                edges.setdefault(source, set()).add(target)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in edges.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(set(edges) | {t for targets in edges.values() for t in targets}):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_between_the_packages_of_app():
    edges = package_graph()
    assert "cases" in edges and "core" in edges["cases"]  # the graph is really built
    assert cycles(edges) == []


def test_no_package_imports_the_factory_but_with_a_reason():
    """``app`` itself lists the packages; a package that imported it would close a cycle
    through every feature."""
    edges = package_graph()
    assert [source for source, targets in edges.items() if "app" in targets] == ["jobs"]


class _FunctionImports(ast.NodeVisitor):
    """The line numbers of imports of app modules inside a function."""

    def __init__(self) -> None:
        self.depth = 0
        self.lines: list[int] = []

    def visit_FunctionDef(self, node):
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Import(self, node):
        if self.depth and any(a.name.split(".")[0] == "app" for a in node.names):
            self.lines.append(node.lineno)

    def visit_ImportFrom(self, node):
        module = node.module or ""
        if self.depth and (node.level or module.split(".")[0] == "app"):
            self.lines.append(node.lineno)


def function_level_imports() -> list[tuple[str, int, str]]:
    found = []
    for path in sorted(APP.rglob("*.py")):
        visitor = _FunctionImports()
        visitor.visit(ast.parse(path.read_text()))
        text = lines_of(path)
        found += [(str(path.relative_to(ROOT)), line, text[line - 1]) for line in visitor.lines]
    return found


def lines_of(path: pathlib.Path) -> list[str]:
    return path.read_text().splitlines()


def test_imports_inside_functions_say_why_no_other_shape_works():
    """An import placed inside a function hides a cycle from the reader; only where a
    comment on its line gives the reason (``# import here: ...``) is it allowed."""
    unexplained = [
        f"{path}:{line}: {text.strip()}"
        for path, line, text in function_level_imports()
        if REASON not in text
    ]
    assert unexplained == []
    # Few, and each one read by a person: a new one is a decision, not a habit.
    assert len(function_level_imports()) <= 2


def readme_layout() -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index("## Layout")
    return text[start : text.index("\n## ", start + 1)]


def test_the_readme_layout_names_every_package_and_core_module():
    """The README's layout section says what the code does: every package of app/ is in
    its tree, every module of app/core/ too, and its table of layers names the packages
    of the import-linter layers contract."""
    layout = readme_layout()
    packages = sorted(p.name for p in APP.iterdir() if (p / "__init__.py").exists())
    missing = [name for name in packages if f"app/{name}/" not in layout]
    assert not missing, f"README layout lacks the packages {missing}"
    modules = sorted(p.stem for p in (APP / "core").glob("*.py") if p.stem != "__init__")
    tree = layout[layout.index("app/core/") :]
    missing = [name for name in modules if f"  {name}.py " not in tree]
    assert not missing, f"README layout lacks the core modules {missing}"
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (layers,) = [c["layers"] for c in contracts["contracts"] if c["type"] == "layers"]
    table = {
        row.split("|")[1].strip(): row.split("|")[2]
        for row in layout.splitlines()
        if row.startswith("| ") and not row.startswith("| layer")
    }
    features = {name.strip().removeprefix("app.") for name in layers[0].split(":")}
    assert features == set(re.findall(r"`(\w+)`", table["features"]))
    platform = {layer.removeprefix("app.") for layer in layers[1:-1]}
    assert platform == set(re.findall(r"`(\w+)`", table["platform"]))
