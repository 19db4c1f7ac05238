"""Who owns a photo has one owner in the code, generator/runs/photo_owners.py `photos_leaving`:
only generator/runs/removal.py deletes photo rows, and every path hands it the rows the rule
names. A path that picked photo rows itself (every row of a file, say) could take
someone else's photo along, as erasure once did.

Read from the source (ast), like the import-graph test: within a function, a name bound
to an expression is followed to where it is used.
"""

from __future__ import annotations

import ast

from tests.conftest import ROOT

REMOVAL = ROOT / "generator" / "runs" / "removal.py"
PACKAGES = ("generator", "library", "lifecycle", "accounts", "ops", "api", "gateway")
PHOTO_ROWS = ("InputImage", "photos_leaving", ".inputs", ".photos")
RULE = ("photos_leaving",)


def _functions(tree: ast.AST) -> list[ast.AST]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def _bound_to(scope: ast.AST, words: tuple[str, ...]) -> set[str]:
    """Names bound in `scope` to an expression that mentions `words` or such a name."""
    names: set[str] = set()
    assigns = [n for n in ast.walk(scope) if isinstance(n, ast.Assign)]
    while True:
        more = {
            target.id
            for node in assigns
            if _mentions(node.value, words, names)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        if more <= names:
            return names
        names |= more


def _mentions(node: ast.AST, words: tuple[str, ...], names: set[str]) -> bool:
    if any(word in ast.unparse(node) for word in words):
        return True
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(node))


def _photo_deletes(tree: ast.AST) -> list[tuple[int, str]]:
    """`.delete()` called on photo rows."""
    found = set()
    for scope in _functions(tree):
        rows = _bound_to(scope, PHOTO_ROWS)
        for node in ast.walk(scope):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "delete"
                and _mentions(node.func.value, PHOTO_ROWS, rows)
            ):
                found.add((node.lineno, ast.unparse(node)))
    return sorted(found)


def _removals_off_the_rule(tree: ast.AST) -> list[tuple[int, str]]:
    """`photos_remove(photos=...)` (called, or handed to `partial`) with rows that do
    not come from `photos_leaving`."""
    found = set()
    for scope in _functions(tree):
        chosen = _bound_to(scope, RULE)
        for node in ast.walk(scope):
            if not isinstance(node, ast.Call):
                continue
            callee = [node.func, *node.args[:1]]
            if not any(ast.unparse(c).endswith("photos_remove") for c in callee):
                continue
            photos = next((k.value for k in node.keywords if k.arg == "photos"), None)
            if photos is None or not _mentions(photos, RULE, chosen):
                found.add((node.lineno, ast.unparse(node)))
    return sorted(found)


def _offenders(check) -> list[str]:
    offenders = []
    for path in sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py")):
        if "migrations" in path.parts or path == REMOVAL:
            continue
        for line, call in check(ast.parse(path.read_text())):
            offenders.append(f"{path.relative_to(ROOT)}:{line}: {call}")
    return offenders


def test_it_deletes_photo_rows_only_in_the_removal_service():
    offenders = _offenders(_photo_deletes)
    assert not offenders, (
        "photo rows deleted outside generator/runs/removal.py; ask photo_owners.photos_leaving "
        "which rows go and remove them with removal.photos_remove:\n" + "\n".join(offenders)
    )


def test_it_removes_only_the_photo_rows_the_ownership_rule_names():
    offenders = _offenders(_removals_off_the_rule)
    assert not offenders, (
        "photos_remove given rows not chosen by photo_owners.photos_leaving:\n"
        + "\n".join(offenders)
    )


def test_it_would_catch_a_path_that_picks_photo_rows_by_file_itself():
    erasure_as_it_was = ast.parse(
        "def erase(user, now):\n"
        "    given = InputImage.objects.filter(owner=user).values_list('file', flat=True)\n"
        "    for part in chunks(sorted(set(given))):\n"
        "        photos_remove(photos=InputImage.objects.filter(file__in=part), now=now)\n"
    )
    assert [line for line, _ in _removals_off_the_rule(erasure_as_it_was)] == [4]
    purge_as_it_was = ast.parse(
        "def purge(cutoff):\n"
        "    stale = InputImage.objects.filter(generation__isnull=True, created__lt=cutoff)\n"
        "    rows = stale.filter(batch_item__isnull=True)\n"
        "    rows.delete()\n"
    )
    assert [line for line, _ in _photo_deletes(purge_as_it_was)] == [4]
    by_the_rule = ast.parse(
        "def retention(runs, now):\n"
        "    due = photos_leaving(runs=runs)\n"
        "    chosen = due.filter(pk__in=[1])\n"
        "    return partial(photos_remove, photos=chosen, now=now)\n"
    )
    assert _removals_off_the_rule(by_the_rule) == []
