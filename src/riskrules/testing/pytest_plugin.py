"""pytest plugin: rule-pack case files as pytest items (one item a case).

Registered through the ``pytest11`` entry point, so ``pip install riskrules`` is enough. It
collects:

1. every ``*.yaml`` / ``*.yml`` file inside a folder named ``tests`` whose parent folder holds
   ``pack.yaml`` -- a rule pack's own tests, such as the bundled ``rules/tests/``; every YAML
   file there must be a case file;
2. any YAML file named on the command line whose top level has ``cases:``.

Each file runs on the pack ``--riskrules-rules`` names, else on the pack its ``pack:`` key
names, else on the pack whose ``tests/`` folder holds it. Every pack is loaded once per
session. A failing case prints expected against actual, with each named rule's explanation or
outcome; a case marked ``xfail:`` in its file is a strict pytest xfail.

Options: ``--riskrules-rules PATH``; ``--riskrules-coverage`` prints rule coverage after the
run; ``--riskrules-min-coverage N`` fails the run when fewer than N % of a pack's rules fired.
``pytest -p no:riskrules`` turns the plugin off.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest

__all__ = ["CaseFileNode", "CaseItem"]


class _State:
    def __init__(self, config: pytest.Config):
        from .runner import PackCache

        self.config = config
        self.cache = PackCache()
        self.results: list[Any] = []
        self.packs: dict[Path, Any] = {}
        rules = config.getoption("riskrules_rules", None)
        self.rules = Path(rules).resolve() if rules else None

    def pack_for(self, case_file: Any) -> Any:
        from ..errors import RulePackError
        from .cases import pack_of_case_file

        root = self.rules or pack_of_case_file(case_file)
        if root is None:
            raise RulePackError("which rule pack is this case file for? Put it in a pack's tests/ folder, name the pack "
                                "with 'pack:', or give --riskrules-rules", message_zh="无法确定该用例文件所属的规则包",
                                file=case_file.file)
        pack = self.cache.load(root)
        self.packs.setdefault(pack.root, pack)
        return pack


_STATE = pytest.StashKey[_State]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("riskrules", "riskrules case files")
    group.addoption("--riskrules-rules", default=None, metavar="PATH", help="run every case file on this rule pack")
    group.addoption("--riskrules-coverage", action="store_true", help="print the rule coverage of the case files run")
    group.addoption("--riskrules-min-coverage", type=float, default=None, metavar="N",
                    help="fail when fewer than N %% of a pack's rules fired in some case")


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_STATE] = _State(config)
    for tag in ("fires", "near_miss", "boundary"):
        config.addinivalue_line("markers", f"case_{tag}: a riskrules case tagged '{tag}'")


def _named_on_command_line(path: Path, config: pytest.Config) -> bool:
    base = Path(config.invocation_params.dir)
    for arg in config.args:
        given = Path(str(arg).split("::")[0])
        if (given if given.is_absolute() else base / given).resolve() == path.resolve():
            return True
    return False


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> "CaseFileNode | None":
    if file_path.suffix not in (".yaml", ".yml"):
        return None
    from .cases import is_case_file, pack_tests_root

    if pack_tests_root(file_path) is not None or (_named_on_command_line(file_path, parent.config) and is_case_file(file_path)):
        return CaseFileNode.from_parent(parent, path=file_path)
    return None


class CaseFailed(Exception):
    def __init__(self, result: Any):
        super().__init__(result.case.name)
        self.result = result


def _describe(error: Any) -> str:
    return "\n".join(e.describe() for e in error.errors)


class CaseFileNode(pytest.File):
    """A case file: one item a case."""

    def collect(self) -> Iterator["CaseItem"]:
        from .cases import STANDARD_TAGS, load_cases

        case_file = load_cases(self.path)
        for case in case_file.cases:
            item = CaseItem.from_parent(self, name=case.name, case=case, case_file=case_file)
            if case.xfail:
                item.add_marker(pytest.mark.xfail(reason=case.xfail, strict=True))
            for tag in case.tags:
                if tag in STANDARD_TAGS:  # pytest -m case_boundary
                    item.add_marker(getattr(pytest.mark, f"case_{tag}"))
            yield item

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        from ..errors import RulePackError

        if isinstance(excinfo.value, RulePackError):
            return _describe(excinfo.value)
        return super().repr_failure(excinfo)


class CaseItem(pytest.Item):
    """One case of a case file."""

    def __init__(self, *, case: Any, case_file: Any, **kwargs: Any):
        super().__init__(**kwargs)
        self.case = case
        self.case_file = case_file

    def runtest(self) -> None:
        from .runner import run_case

        state = self.config.stash[_STATE]
        pack = state.pack_for(self.case_file)
        result = run_case(self.case, pack, cache=state.cache, apply_xfail=False)
        state.results.append(result)
        if not result.ok:
            raise CaseFailed(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        from ..errors import RulePackError

        if isinstance(excinfo.value, CaseFailed):
            return excinfo.value.result.report
        if isinstance(excinfo.value, RulePackError):
            return _describe(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.case.line - 1, f"case: {self.case.name}"


def _coverages(config: pytest.Config) -> list[Any]:
    from .coverage import coverage_of

    state = config.stash.get(_STATE, None)
    if state is None or not state.results:
        return []
    return [coverage_of(pack, [r for r in state.results if r.pack_root == root]) for root, pack in state.packs.items()]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    minimum = session.config.getoption("riskrules_min_coverage", None)
    if minimum is None:
        return
    if any(c.percent < minimum for c in _coverages(session.config)) and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    show = config.getoption("riskrules_coverage", False)
    minimum = config.getoption("riskrules_min_coverage", None)
    if not show and minimum is None:
        return
    for cov in _coverages(config):
        if show:
            terminalreporter.write_sep("-", f"riskrules coverage: {cov.pack_name}")
            terminalreporter.write_line(cov.table())
        if minimum is not None and cov.percent < minimum:
            terminalreporter.write_line(f"riskrules: coverage {cov.percent:.1f} % of {cov.pack_name} is below the minimum "
                                        f"{minimum:g} % (never fired: {', '.join(cov.never_fired)})", red=True)
