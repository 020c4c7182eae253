"""Check that docs/architecture.md's module map matches the tree: `make check` runs it.

The map is the fenced block under "## The map: one line a module". An entry line starts with one or more
comma-separated names (`models.py`, `forms.py, views.py,`, `templatetags/display.py`) and then its description.
A name ending in `/` opens a folder for the lines indented below it. A line ending its names with a comma
continues on the next line; any other line indented deeper than an entry continues the description.

The tree's modules are the .py files of the top-level packages, leaving out what the map's section leaves out.
Prints each module missing from the map and each mapped module that does not exist; exit status 1 if any.
"""

import re
import sys
from pathlib import Path

HEADING = "## The map: one line a module"
EXCLUDED_PACKAGES = {"bench", "scripts", "hubstaff_sandbox", "tests"}
EXCLUDED_FOLDERS = {"tests", "migrations", "__pycache__"}
EXCLUDED_FILES = {"__init__.py", "apps.py", "admin.py", "urls.py", "conftest.py"}
NAME = re.compile(r"[\w.]+(?:/[\w.]+)*/?")


class MapError(Exception):
    """The map's block is missing or has a line the parser cannot place."""


def map_block(text):
    """The lines of the fenced block that follows the map's heading."""
    _, found, after = text.partition(HEADING + "\n")
    if not found:
        raise MapError(f"no heading {HEADING!r}")
    lines = after.split("```", 2)
    if len(lines) < 3:
        raise MapError("no fenced block under the map's heading")
    return lines[1].strip("\n").splitlines()


def split_names(text):
    """The names a line starts with, and whether the list ends with a comma (continued on the next line)."""
    names, rest, after_comma = [], text, False
    while True:
        match = NAME.match(rest)
        if not match or not match.group().endswith((".py", "/")):
            return names, after_comma
        names.append(match.group())
        rest = rest[match.end() :]
        if not rest.startswith(","):
            return names, False
        rest, after_comma = rest[1:].lstrip(" "), True


def mapped_modules(lines):
    """Every module path the map names (folders opened with `name/` are prefixes, not modules)."""
    modules = set()
    folders = []  # (indent, path) of the folders open above the current line
    continued_prefix = None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" "))
        if continued_prefix is not None:
            prefix = continued_prefix
        else:
            while folders and folders[-1][0] >= indent:
                folders.pop()
            if indent > (folders[-1][0] + 2 if folders else 0):
                continue  # the description goes on
            prefix = folders[-1][1] if folders else ""
        names, continued = split_names(line.lstrip(" "))
        if not names:
            raise MapError(f"map line {number} names no module: {line.strip()!r}")
        continued_prefix = prefix if continued else None
        opened = [name for name in names if name.endswith("/")]
        if opened and (len(names) > 1 or continued):
            raise MapError(f"map line {number}: a folder must be alone on its line: {line.strip()!r}")
        for name in names:
            if name.endswith("/"):
                folders.append((indent, prefix + name))
            else:
                modules.add(prefix + name)
    return modules


def tree_modules(root):
    """The product's modules under root, as the map's section counts them."""
    modules = set()
    for package in sorted(root.iterdir()):
        if not (package / "__init__.py").is_file() or package.name in EXCLUDED_PACKAGES:
            continue
        for path in package.rglob("*.py"):
            relative = path.relative_to(root)
            if EXCLUDED_FOLDERS.intersection(relative.parts[:-1]):
                continue
            if path.name in EXCLUDED_FILES or path.name.endswith("_urls.py") or path.name.startswith("test_"):
                continue
            modules.add(relative.as_posix())
    return modules


def main(argv):
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[1]
    try:
        mapped = mapped_modules(map_block((root / "docs" / "architecture.md").read_text()))
    except (MapError, OSError) as exc:
        print(f"module map: {exc}")
        return 1
    tree = tree_modules(root)
    missing = sorted(tree - mapped)
    absent = sorted(m for m in mapped if not (root / m).is_file())
    for module in missing:
        print(f"not in the map: {module}")
    for module in absent:
        print(f"in the map, not in the tree: {module}")
    if missing or absent:
        return 1
    print(f"module map: {len(tree)} modules, all listed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
