"""Dependencies point one way (ARCHITECTURE §3): every module of each app is parsed, and an
import of an app it must not know fails, as does a reference to such an app hidden in a string
(a lazy model reference, a dynamic import) or in an ORM path through one of its relations."""

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = frozenset({"specimens", "shipments", "freezers"})
APPS = frozenset({"lims", "barcode_printing", "scanner_drivers", *DOMAIN})


@dataclass(frozen=True)
class Rule:
    """The apps that ``app`` must not reach, and those it may reach only from ``except_under``
    (a folder of the app, e.g. its management commands)."""

    never: frozenset[str]
    only_under: frozenset[str] = frozenset()
    except_under: str = ""


RULES = {
    "specimens": Rule(never=frozenset({"shipments", "freezers", "scanner_drivers"})),
    "barcode_printing": Rule(never=DOMAIN),
    # The bridge runs on a station PC without the server: only its Django commands may reach it.
    "scanner_drivers": Rule(
        never=DOMAIN,
        only_under=frozenset({"lims", "barcode_printing"}),
        except_under="management",
    ),
    "lims": Rule(never=APPS - {"lims"}),
}

# An ORM path: identifiers joined by "__" (a docstring or a message never matches).
_ORM_PATH = re.compile(r"[a-z_][a-z0-9_]*(?:__[a-z0-9_]+)*")
_MODEL_LABEL = re.compile(r"([a-z_]+)\.[A-Z]\w*")


def modules(app: str) -> list[Path]:
    return sorted((ROOT / app).rglob("*.py"))


def _module_name(path: Path) -> list[str]:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def imported(path: Path, tree: ast.AST) -> list[tuple[int, str]]:
    """(line, top-level package) of every import in the module, wherever it is written,
    relative imports resolved and dynamic imports of a literal name included."""
    found = []
    package = _module_name(path)[: -1 if path.name != "__init__.py" else None]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1] if node.level > 1 else package
                name = ".".join([*base, *([node.module] if node.module else [])])
            else:
                name = node.module
            found.append((node.lineno, name.split(".")[0]))
        elif _literal_call(node, "import_module", "__import__"):
            found.append((node.lineno, node.args[0].value.split(".")[0]))
    return found


def _literal_call(node: ast.AST, *names: str) -> bool:
    """Whether ``node`` calls one of ``names`` with a string literal first."""
    if not isinstance(node, ast.Call) or not node.args:
        return False
    func = node.func
    called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    first = node.args[0]
    return called in names and isinstance(first, ast.Constant) and isinstance(first.value, str)


def named_in_strings(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, app) of every ``"app.Model"`` string and ``get_model("app", …)`` call."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            label = _MODEL_LABEL.fullmatch(node.value)
            if label:
                found.append((node.lineno, label.group(1)))
        elif _literal_call(node, "get_model"):
            found.append((node.lineno, node.args[0].value.split(".")[0]))
    return found


def reverse_relations(app: str, others: frozenset[str]) -> frozenset[str]:
    """The names by which the models of ``others`` reach the models of ``app`` backwards, as
    ``app``'s ORM paths, attributes and strings would name them (e.g. ``placement``)."""
    names = set()
    for model in apps.get_app_config(app).get_models():
        for relation in model._meta.related_objects:
            if relation.related_model._meta.app_label in others:
                names |= {relation.name, relation.get_accessor_name()}
    return frozenset(name for name in names if name and not name.endswith("+"))


def orm_names(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, name) of every ORM path segment, attribute and keyword argument in the module."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if _ORM_PATH.fullmatch(node.value):
                found += [(node.lineno, part) for part in node.value.split("__")]
        elif isinstance(node, ast.keyword) and node.arg:
            found += [(node.value.lineno, part) for part in node.arg.split("__")]
        elif isinstance(node, ast.Attribute):
            found.append((node.lineno, node.attr))
    return found


def violations(app: str) -> list[str]:
    rule = RULES[app]
    hidden = reverse_relations(app, rule.never | rule.only_under)
    found = []
    for path in modules(app):
        where = path.relative_to(ROOT)
        exempt = rule.except_under and rule.except_under in where.parts[1:-1]
        forbidden = rule.never if exempt else rule.never | rule.only_under
        tree = ast.parse(path.read_text(), filename=str(path))
        found += [
            f"{where}:{line} imports {target}"
            for line, target in imported(path, tree)
            if target in forbidden
        ]
        found += [
            f"{where}:{line} names {target} in a string"
            for line, target in named_in_strings(tree)
            if target in forbidden
        ]
        found += [
            f"{where}:{line} reaches {name!r}, a relation another app adds"
            for line, name in orm_names(tree)
            if name in hidden
        ]
    return found


@pytest.mark.parametrize("app", sorted(RULES))
def test_no_app_reaches_one_above_it(app):
    found = violations(app)
    assert not found, "\n".join(found)


def test_the_walk_finds_each_kind_of_forbidden_reference(tmp_path):
    source = """
import freezers.models
from shipments import services as s
def later():
    from .. import shipments
    from freezers.models import Placement
    importlib.import_module("shipments.batch")
    apps.get_model("freezers", "Box")
fk = models.ForeignKey("shipments.Shipment", on_delete=models.PROTECT)
rows = Specimen.objects.filter(placement__box__code="BOX-1").select_related("shipment_items")
slot = specimen.placement
"""
    path = ROOT / "specimens" / "api" / "views.py"
    tree = ast.parse(source)
    assert [name for _, name in imported(path, tree)] == [
        "freezers",
        "shipments",
        "specimens",
        "freezers",
        "shipments",
    ]
    assert [name for _, name in named_in_strings(tree)] == ["freezers", "shipments"]
    hidden = reverse_relations("specimens", frozenset({"freezers", "shipments"}))
    assert hidden == {"placement", "shipment_items"}
    assert sorted(name for _, name in orm_names(tree) if name in hidden) == [
        "placement",
        "placement",
        "shipment_items",
    ]
