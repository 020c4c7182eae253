"""scripts/check_module_map.py: docs/architecture.md's module map names every module of the tree, and only those."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "check_module_map.py"

MAP = """# Architecture

## The map: one line a module

```
shop/                        a small app
  models.py                  Order, with a description that goes on
                             over two lines
  forms.py, views.py,        the pages
    account_views.py
  services/
    orders.py                an order placed
  management/commands/close.py  closes the day
```
"""


def check(root):
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(root)], capture_output=True, text=True, check=False
    )


# Files the map leaves out: each one present in every fake tree, never named by the script.
LEFT_OUT = (
    "shop/__init__.py",
    "shop/apps.py",
    "shop/urls.py",
    "shop/migrations/0001_initial.py",
    "shop/tests/test_orders.py",
    "scripts/tool.py",
)


def fake_tree(root, *modules):
    (root / "docs").mkdir()
    (root / "docs" / "architecture.md").write_text(MAP)
    for module in (*LEFT_OUT, *modules):
        (root / module).parent.mkdir(parents=True, exist_ok=True)
        (root / module).write_text("")


LISTED = (
    "shop/models.py",
    "shop/forms.py",
    "shop/views.py",
    "shop/account_views.py",
    "shop/services/orders.py",
    "shop/management/commands/close.py",
)


def test_the_projects_map_lists_every_module():
    result = check(ROOT)
    assert result.returncode == 0, result.stdout
    assert result.stdout.startswith("module map: ") and result.stdout.endswith(" modules, all listed\n")


def test_a_tree_that_matches_its_map_passes(tmp_path):
    fake_tree(tmp_path, *LISTED)
    result = check(tmp_path)
    assert (result.returncode, result.stdout) == (0, "module map: 6 modules, all listed\n")


def test_a_module_missing_from_the_map_is_named(tmp_path):
    fake_tree(tmp_path, *LISTED, "shop/services/refunds.py")
    result = check(tmp_path)
    assert (result.returncode, result.stdout) == (1, "not in the map: shop/services/refunds.py\n")


def test_a_mapped_module_that_does_not_exist_is_named(tmp_path):
    fake_tree(tmp_path, *(m for m in LISTED if m != "shop/account_views.py"))
    result = check(tmp_path)
    assert (result.returncode, result.stdout) == (1, "in the map, not in the tree: shop/account_views.py\n")
