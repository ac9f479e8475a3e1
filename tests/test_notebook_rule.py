"""The classroom rule, over every notebook: no notebook-level name is bound in two code cells.

Instructors re-run cells in front of a class, out of order. A name bound in two cells is a trap: run
the later cell, go back to a cell between the two, and it silently reads the later cell's value (the
lecture's hooks cell once left ``layer = 29`` behind, and step 10 drew layer 29). So each name a
notebook binds at its top level -- by assignment, loop target, ``with ... as``, import, def, class,
``del`` or ``global`` -- is bound in one code cell only. Names that start with ``_`` are exempt, and in
return belong to their cell: no other cell reads them.

The cells are read as Python after IPython's own transformation (magics become calls), with the
standard library's ``ast``: no notebook is run here.
"""

from __future__ import annotations

import ast
import builtins
from collections import defaultdict
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for folder in ("notebooks", "exercises", "exercises/solutions")
                   for p in (ROOT / folder).glob("*.ipynb"))


class TopLevelNames(ast.NodeVisitor):
    """The names one cell binds at the notebook's top level, and the ``_``-names it reads anywhere."""

    def __init__(self) -> None:
        self.bound: set[str] = set()
        self.private_reads: set[str] = set()
        self.private_bound: set[str] = set()  # in any scope of the cell (parameters, locals too)
        self.functions = 0  # > 0 inside a function, class body or lambda
        self.comprehensions = 0  # > 0 inside a comprehension (its loop variables are its own)

    def bind(self, name: str) -> None:
        self.private_bound.add(name)
        if self.functions == 0 and self.comprehensions == 0:
            self.bound.add(name)

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, (ast.Store, ast.Del)):
            self.bind(node.id)
        elif node.id.startswith("_"):
            self.private_reads.add(node.id)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:  # := inside a comprehension binds outside it
        comprehensions, self.comprehensions = self.comprehensions, 0
        self.visit(node.target)
        self.comprehensions = comprehensions
        self.visit(node.value)

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name != "*":
                self.bind(alias.asname or alias.name.split(".")[0])

    visit_ImportFrom = visit_Import

    def visit_Global(self, node: ast.Global) -> None:  # a function that rebinds a notebook-level name
        self.bound.update(node.names)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self.bind(node.name)
        self.generic_visit(node)

    def visit_MatchAs(self, node: ast.AST) -> None:
        if node.name:
            self.bind(node.name)
        self.generic_visit(node)

    visit_MatchStar = visit_MatchAs

    def visit_FunctionDef(self, node: ast.AST) -> None:
        self.bind(node.name)
        for expression in [*node.decorator_list, *getattr(node, "bases", []), *getattr(node, "keywords", [])]:
            self.visit(expression)
        self.inside(node, node.body)

    visit_AsyncFunctionDef = visit_ClassDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.inside(node, [node.body])

    def visit_ListComp(self, node: ast.AST) -> None:
        self.comprehensions += 1
        self.generic_visit(node)
        self.comprehensions -= 1

    visit_SetComp = visit_DictComp = visit_GeneratorExp = visit_ListComp

    def inside(self, node: ast.AST, body: list[ast.AST]) -> None:
        """A function's (or class's) body: its own scope; its parameters are bound there, its defaults outside."""
        args = getattr(node, "args", None)
        if args is not None:
            for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
                if arg is not None:
                    self.private_bound.add(arg.arg)
            for default in [*args.defaults, *args.kw_defaults]:
                if default is not None:
                    self.visit(default)
        comprehensions, self.comprehensions = self.comprehensions, 0
        self.functions += 1
        for statement in body:
            self.visit(statement)
        self.functions -= 1
        self.comprehensions = comprehensions


def cell_names(source: str) -> TopLevelNames:
    names = TopLevelNames()
    names.visit(ast.parse(TransformerManager().transform_cell(source)))
    return names


def rule_breaks(notebook: nbformat.NotebookNode) -> list[str]:
    """One line per name bound in two code cells, or ``_``-name read outside its cell; [] when the rule holds."""
    cells_binding = defaultdict(list)
    broken = []
    for number, cell in enumerate((c for c in notebook.cells if c.cell_type == "code"), start=1):
        names = cell_names(cell.source)
        for name in names.bound:
            if not name.startswith("_"):
                cells_binding[name].append(number)
        for name in sorted(names.private_reads - names.private_bound):
            if not name.startswith("__") and not hasattr(builtins, name):
                broken.append(f"{name!r} is read in code cell {number} but bound in another cell "
                              "(a name that starts with _ belongs to its cell)")
    broken += [f"{name!r} is bound in code cells {', '.join(map(str, numbers))}"
               for name, numbers in sorted(cells_binding.items()) if len(numbers) > 1]
    return broken


@pytest.mark.parametrize("path", [pytest.param(p, id=p.relative_to(ROOT).as_posix()) for p in NOTEBOOKS])
def test_no_name_is_bound_in_two_code_cells(path):
    broken = rule_breaks(nbformat.read(path, as_version=4))
    assert not broken, (f"{path.relative_to(ROOT)} breaks the re-run rule (README, 'Contributing'): keep a loop's "
                        "variable inside a function or give it a name of its own; prefix a cell's scratch "
                        "names with _.\n  " + "\n  ".join(broken))


# ------------------------------------------------------------ the checker itself, on small notebooks


def _notebook(*sources: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])


@pytest.mark.parametrize("first, second, name", [
    ("layer = 18", "for layer in range(30): pass", "layer"),     # the lecture hooks cell's loop variable
    ("low = 0", "for v, (low, high) in []: pass", "low"),         # tuple targets, nested
    ("import numpy as np", "import numpy as np", "np"),
    ("import os.path", "os = None", "os"),
    ("from math import pi", "pi = 3", "pi"),
    ("with open('a') as handle: pass", "handle = None", "handle"),
    ("def f(): pass", "f = 1", "f"),
    ("class C: pass", "C = 1", "C"),
    ("x = 1", "del x", "x"),
    ("x = 1", "x += 1", "x"),
    ("x: int = 1", "x = 2", "x"),
    ("x = 1", "def g():\n    global x\n    x = 2", "x"),
    ("x = 1", "if True:\n    try:\n        pass\n    except Exception as x:\n        pass", "x"),
    ("x = 1", "while False:\n    x = 2", "x"),
    ("x = 1", "[(x := i) for i in range(3)]", "x"),
    ("x = 1", "match 1:\n    case x:\n        pass", "x"),
    ("x = 1", "!echo hi\nx = 2", "x"),                          # IPython syntax in the cell
])
def test_the_checker_sees_each_kind_of_binding(first, second, name):
    assert rule_breaks(_notebook(first, "print(1)", second)) == [f"{name!r} is bound in code cells 1, 3"]


@pytest.mark.parametrize("second", [
    "y = 2\ny = 3",                                                     # twice in one cell is fine ...
    "def f(x):\n    for y in range(3):\n        x = y\n    return x",  # ... inside a function
    "class C:\n    x = 1",                                             # a class body
    "[x for x in range(3)]",                                           # a comprehension's own scope
    "f = lambda x: x",
    "print(x)",                                                         # reading is not binding
    "d = {}\nd['x'] = 1",                                               # nor is changing a value
])
def test_the_checker_allows_what_the_rule_allows(second):
    assert rule_breaks(_notebook("x = 1", second)) == []


def test_names_that_start_with_underscore_belong_to_their_cell():
    assert rule_breaks(_notebook("_scratch = 1\nprint(_scratch)", "_scratch = 2")) == []
    assert rule_breaks(_notebook("_scratch = 1", "print(_scratch)")) == [
        "'_scratch' is read in code cell 2 but bound in another cell (a name that starts with _ belongs to its cell)"]
    assert rule_breaks(_notebook("def f(_x):\n    return _x", "print(__name__)")) == []
