"""The code's rooms and their order: no module imports from a layer above its own, and no import cycles.

domain -> store -> services -> ui -> app, over a base of small tools. Imports inside functions and under
``TYPE_CHECKING`` count too: a cycle hidden behind a function-level import is still a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / 'board'

#: lowest first; a module belongs to the first layer with a name it equals or starts with (``name.``)
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ('base', ('board.atomicfile', 'board.clock', 'board.ordering', 'board.i18n', 'board.ratelimit', 'board.assets',
              'board.privacy', 'board.bodylimit', 'board.version', 'board.numbers')),
    ('domain', ('board.domain', 'board.merge', 'board.gains', 'board.users', 'board.devices', 'board.orgfile',
                'board.overview', 'board.settings')),
    ('store', ('board.store',)),
    ('services', ('board.wire', 'board.oidc', 'board.sync_api', 'board.sync_client', 'board.tokens', 'board.reports',
                  'board.report_pdf', 'board.goal_words', 'board.qr', 'board.backup', 'board.admin', 'board.demo',
                  'board.context', 'board.metrics', 'board.goal_csv', 'board.brief', 'board.mailer', 'board.mail_api',
                  'board.escalation', 'board.audits', 'board.citizens')),
    ('ui', ('board.ui',)),
    ('app', ('board.app', 'board.cli')),
]


def modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob('*.py'):
        parts = path.relative_to(ROOT.parent).with_suffix('').parts
        name = '.'.join(parts[:-1] if parts[-1] == '__init__' else parts)
        found[name] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The project's modules that ``name`` imports, anywhere in the file."""
    package = name.split('.') if path.name == '__init__.py' else name.split('.')[:-1]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = '.'.join(package[:len(package) - node.level + 1] + ([node.module] if node.module else [])) \
                if node.level else (node.module or '')
            candidates = [f'{base}.{alias.name}' for alias in node.names]
        else:
            continue
        for candidate in candidates:
            module = candidate
            while module and module not in known:  # ``from .store import Store``: the module is board.store
                module = module.rpartition('.')[0]
            if module and module != name:
                targets.add(module)
    return targets


def layer_of(name: str) -> int:
    if name == 'board':
        return 0  # the package itself holds nothing
    for index, (_, prefixes) in enumerate(LAYERS):
        if any(name == p or name.startswith(f'{p}.') for p in prefixes):
            return index
    raise AssertionError(f'{name} belongs to no layer: add it to LAYERS in {__file__}')


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(name, path, known) for name, path in known.items()}


def test_every_module_imports_only_from_its_own_layer_or_below():
    wrong = [f'{name} ({LAYERS[layer_of(name)][0]}) imports {target} ({LAYERS[layer_of(target)][0]})'
             for name, targets in graph().items() for target in sorted(targets)
             if layer_of(target) > layer_of(name)]
    assert wrong == []


def test_there_are_no_import_cycles():
    edges = graph()
    # a package importing its own submodules (its __init__ re-exporting them) is not a cycle of design
    edges = {name: {t for t in targets if not t.startswith(f'{name}.')} for name, targets in edges.items()}
    cycles = []
    state: dict[str, int] = {}  # 1: on the path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for target in sorted(edges.get(node, ())):
            if state.get(target) == 1:
                cycles.append(' -> '.join([*path[path.index(target):], target]))
            elif target not in state:
                visit(target)
        path.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    assert cycles == []
