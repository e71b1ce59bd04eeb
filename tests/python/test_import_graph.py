"""The Python package's import graph has no cycle: each module's imports of other wmel
modules (at the top and inside functions alike) point down, never back up to a module that
imports it. The core (wmel._features) never imports the torch adapters."""
import ast
import pathlib

PKG = pathlib.Path(__file__).resolve().parents[2] / "python" / "wmel"


def _module_name(path):
    rel = path.relative_to(PKG).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(["wmel"] + parts)


def _resolve(mod, node, is_pkg):
    base = mod.split(".") if is_pkg else mod.split(".")[:-1]
    if node.level:
        base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    return target


def _graph():
    mods = {_module_name(p): p for p in PKG.rglob("*.py")}
    edges = {m: set() for m in mods}
    for m, p in mods.items():
        is_pkg = p.name == "__init__.py"
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            targets = []
            if isinstance(node, ast.ImportFrom):
                t = _resolve(m, node, is_pkg)
                if node.module:  # `from . import X` names submodules, not the package itself
                    targets.append(t)
                targets += [f"{t}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets += [a.name for a in node.names]
            for t in targets:
                if t in mods and t != m and t != "wmel":
                    edges[m].add(t)
    return edges


def _cycle(edges):
    state, stack = {}, []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for d in sorted(edges[n]):
            if state.get(d) == 1:
                return stack[stack.index(d):] + [d]
            if d not in state:
                c = visit(d)
                if c:
                    return c
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(edges):
        if n not in state:
            c = visit(n)
            if c:
                return c
    return None


def test_graph_is_read():
    edges = _graph()
    assert "wmel._features" in edges and "wmel._torch_device" in edges["wmel._features"]


def test_no_import_cycle():
    c = _cycle(_graph())
    assert c is None, "import cycle: " + " -> ".join(c)


def test_core_never_imports_the_torch_adapters():
    edges = _graph()
    seen, todo = set(), ["wmel._features"]
    while todo:
        m = todo.pop()
        if m in seen:
            continue
        seen.add(m)
        todo += edges[m]
    assert not seen & {"wmel._torch_op", "wmel._ta_kaldi", "wmel.kaldi"}, sorted(seen)
