"""Starting the CLI does not pay for scikit-learn: it is imported where an estimate or a scope
judgement first needs it."""

import json
import subprocess
import sys


def _loaded_after(statement: str) -> list[str]:
    probe = (
        "import json, sys\n"
        f"{statement}\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'sklearn')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return json.loads(result.stdout)


def test_importing_the_cli_loads_no_sklearn():
    assert _loaded_after("import adapters.cli") == []


def test_a_scope_judgement_still_loads_sklearn_when_it_needs_it():
    # The same probe sees sklearn once the code that uses it runs: the first test can fail.
    statement = (
        "from bot.changes.judge import judge, scope_lines\n"
        "judge('add a blog page', scope_lines('Design a home page and a blog page.', 'brief'))"
    )
    assert _loaded_after(statement) != []
