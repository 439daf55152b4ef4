"""Parse a rule condition (条件表达式) into the typed rule IR.

The text is Python expression syntax read with :func:`ast.parse` -- never evaluated. Only a
small set of node types is accepted; everything else is a :class:`ConditionError` that says
what is allowed. Names are checked against the vocabulary (derived facts, parameters, signals,
named definitions), with a did-you-mean suggestion for a misspelling. Text length, nesting
depth, literal sizes and decimal scales are bounded, so no condition can exhaust the parser or
overflow a 64-bit engine value.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Mapping

from .errors import ConditionError, suggest
from .ir import (
    And,
    Arith,
    Compare,
    Cond,
    Const,
    Expr,
    InSet,
    Known,
    Not,
    Or,
    Quantified,
    Ref,
    Signal,
    Truth,
)
from .types import NUMERIC, Kind, ValueType

__all__ = ["Vocabulary", "parse_condition", "parse_expression", "MAX_TEXT", "MAX_DEPTH"]

MAX_TEXT = 20_000    # characters of one condition
MAX_DEPTH = 40       # nesting of the syntax tree (the bundled pack needs 12)
MAX_SCALE = 8        # decimals of one computed value: 10**8 times a money amount still fits in 64 bits
MAX_LITERAL = 10**12  # the largest number a condition may write


@dataclass
class Vocabulary:
    """Every name a condition may use."""

    facts: Mapping[str, ValueType]
    collections: Mapping[str, Mapping[str, ValueType]]
    params: Mapping[str, ValueType]
    signals: frozenset[str] = frozenset()
    definitions: Mapping[str, Cond] = field(default_factory=dict)
    used_definitions: set[str] = field(default_factory=set)

    def all_names(self) -> list[str]:
        names = list(self.facts) + [f"params.{p}" for p in self.params] + [f"signal.{s}" for s in self.signals]
        return names + list(self.definitions) + list(self.collections) + ["as_of"]


_ORDER_OPS = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
_EQ_OPS = {ast.Eq: "==", ast.NotEq: "!="}
_ARITH_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*"}


def parse_condition(text: str, vocab: Vocabulary) -> Cond:
    """Compile condition text to IR, or raise :class:`ConditionError`."""
    return _Parser(text, vocab).condition()


def parse_expression(text: str, vocab: Vocabulary) -> Expr:
    """Compile a value expression (used by conclusions such as ``as_of - identification_due``)."""
    return _Parser(text, vocab).expression()


class _Parser:
    def __init__(self, text: str, vocab: Vocabulary):
        self.text = text
        self.source = "(" + text.strip() + "\n)"  # what is parsed: see _tree
        self.vocab = vocab
        self.scope: dict[str, str] = {}  # loop variable -> collection

    # -- entry points -------------------------------------------------------------------
    def _tree(self) -> ast.expr:
        if len(self.text) > MAX_TEXT:
            raise ConditionError(f"a condition is at most {MAX_TEXT} characters; name parts of it as definitions",
                                 f"条件最长 {MAX_TEXT} 个字符，请把其中部分写成定义")
        try:
            # In parentheses, a condition may continue on a new line anywhere (YAML keeps the line
            # breaks of a more-indented continuation); the line numbers stay those of the text.
            tree = ast.parse(self.source, mode="eval").body
        except SyntaxError as e:
            raise ConditionError(f"syntax error: {e.msg}", f"语法错误：{e.msg}", line=e.lineno or 1) from None
        except (RecursionError, MemoryError):
            tree = None
        if tree is None or _depth(tree) > MAX_DEPTH:
            raise ConditionError(f"a condition nests more than {MAX_DEPTH} levels deep; name parts of it as definitions",
                                 f"条件嵌套超过 {MAX_DEPTH} 层，请把其中部分写成定义")
        return tree

    def condition(self) -> Cond:
        return self.cond(self._tree())

    def expression(self) -> Expr:
        node = self._tree()
        expr = self.expr(node)
        return expr

    # -- conditions ---------------------------------------------------------------------
    def cond(self, node: ast.expr) -> Cond:
        if isinstance(node, ast.BoolOp):
            items = tuple(self.cond(v) for v in node.values)
            return And(items) if isinstance(node.op, ast.And) else Or(items)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return Not(self.cond(node.operand))
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, (ast.Name, ast.Attribute)):
            dotted = self.dotted(node)
            if dotted.startswith("signal."):
                name = dotted[len("signal."):]
                if name not in self.vocab.signals:
                    raise self.unknown(node, dotted, [f"signal.{s}" for s in self.vocab.signals])
                return Signal(name)
            if dotted in self.vocab.definitions:
                self.vocab.used_definitions.add(dotted)
                return self.vocab.definitions[dotted]
            ref = self.ref(node)
            if ref.kind is not Kind.BOOL:
                raise self.error(node, f"'{dotted}' is {ref.kind.value}, not a condition; compare it with something",
                                 f"'{dotted}' 的类型是 {ref.kind.value}，不是条件，请与某个值比较")
            return Truth(ref)
        if isinstance(node, ast.Constant) and isinstance(node.value, bool):
            raise self.error(node, "a constant true/false is not a condition", "常量 true/false 不能作为条件")
        raise self.error(node, f"this is not a condition: {ast.unparse(node)}",
                         f"这不是条件：{ast.unparse(node)}")

    def call(self, node: ast.Call) -> Cond:
        fname = node.func.id if isinstance(node.func, ast.Name) else None
        if fname == "known":
            if len(node.args) != 1 or node.keywords:
                raise self.error(node, "known() takes one fact name", "known() 只接受一个事实名")
            return Known(self.ref(node.args[0]))
        if fname in ("any", "all"):
            if len(node.args) != 1 or not isinstance(node.args[0], ast.GeneratorExp):
                raise self.error(node, f"{fname}() takes a generator: {fname}(m.age >= 60 for m in members)",
                                 f"{fname}() 的参数应为生成式，例如 {fname}(m.age >= 60 for m in members)")
            gen = node.args[0]
            if len(gen.generators) != 1 or gen.generators[0].ifs or gen.generators[0].is_async:
                raise self.error(node, "one 'for' clause without 'if' is allowed; put the filter in the condition",
                                 "只允许一个不带 if 的 for 子句，请把筛选写进条件")
            comp = gen.generators[0]
            if not isinstance(comp.target, ast.Name):
                raise self.error(node, "the loop variable must be a plain name", "循环变量必须是简单名称")
            coll = self.dotted(comp.iter)
            if coll not in self.vocab.collections:
                raise self.unknown(comp.iter, coll, list(self.vocab.collections))
            var = comp.target.id
            if self.scope:
                raise self.error(node, "nested any()/all() are not supported", "不支持嵌套的 any()/all()")
            self.scope[var] = coll
            try:
                body = self.cond(gen.elt)
            finally:
                del self.scope[var]
            return Quantified(fname, coll, var, body)
        raise self.error(node, f"unknown function {ast.unparse(node.func)}(); allowed: any, all, known",
                         f"未知函数 {ast.unparse(node.func)}()；只允许 any、all、known",
                         )

    def compare(self, node: ast.Compare) -> Cond:
        parts: list[Cond] = []
        left_node = node.left
        for op, right_node in zip(node.ops, node.comparators):
            parts.append(self.compare_one(op, left_node, right_node, node))
            left_node = right_node
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def compare_one(self, op: ast.cmpop, left_node: ast.expr, right_node: ast.expr, whole: ast.expr) -> Cond:
        if isinstance(op, (ast.In, ast.NotIn)):
            return self.membership(op, left_node, right_node)
        if isinstance(op, (ast.Is, ast.IsNot)):
            raise self.error(whole, "use == and != (or known(x) for a collected fact), not 'is'",
                             "请使用 == 与 !=（或 known(x) 判断是否已采集），不要用 is")
        left = self.expr(left_node, hint=right_node)
        right = self.expr(right_node, hint=left_node)
        sym = _ORDER_OPS.get(type(op)) or _EQ_OPS.get(type(op))
        if sym is None:
            raise self.error(whole, "unsupported comparison", "不支持的比较")
        left, right = _money_literal(left, right)
        lk, rk = _kind(left), _kind(right)
        if lk is not rk:
            raise self.error(whole, f"cannot compare {lk.value} with {rk.value}: {ast.unparse(whole)}",
                             f"类型不匹配，不能比较 {lk.value} 与 {rk.value}：{ast.unparse(whole)}")
        if sym in ("<", "<=", ">", ">=") and lk not in (*NUMERIC, Kind.DATE):
            raise self.error(whole, f"'{sym}' needs numbers, money or dates, not {lk.value}",
                             f"'{sym}' 只能用于数值、金额或日期，不能用于 {lk.value}")
        left, right = _align(left, right)
        return Compare(sym, left, right)

    def membership(self, op: ast.cmpop, left_node: ast.expr, right_node: ast.expr) -> Cond:
        left = self.expr(left_node)
        if _kind(left) is not Kind.TEXT or not isinstance(left, Ref):
            raise self.error(left_node, "'in' tests a code field against a list of codes", "'in' 用于判断代码是否属于列表")
        if isinstance(right_node, (ast.List, ast.Tuple, ast.Set)):
            items = [self.text_const(e, left) for e in right_node.elts]
            if not items:
                raise self.error(right_node, "empty list after 'in'", "'in' 后的列表为空")
            if isinstance(op, ast.In):
                return Or(tuple(Compare("==", left, c) for c in items)) if len(items) > 1 else Compare("==", left, items[0])
            return And(tuple(Compare("!=", left, c) for c in items)) if len(items) > 1 else Compare("!=", left, items[0])
        param = self.ref(right_node)
        if param.kind is not Kind.TEXT_SET:
            raise self.error(right_node, "'in' needs a list of codes or a set-valued parameter",
                             "'in' 后应为代码列表或集合类型的参数")
        lt = self._type_of(left)
        domain = lt.domain if lt and lt.domain else ()
        if not domain:
            raise self.error(left_node, "membership in a parameter set needs a field with a known list of codes",
                             "只有取值范围已知的代码字段才能判断是否属于参数集合")
        test: Cond = InSet(left, param, domain)
        return Not(test) if isinstance(op, ast.NotIn) else test

    # -- expressions --------------------------------------------------------------------
    def expr(self, node: ast.expr, hint: ast.expr | None = None) -> Expr:
        if isinstance(node, ast.Constant):
            return self.constant(node, hint)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
            c = self.constant(node.operand, hint)
            if c.kind not in NUMERIC:
                raise self.error(node, "'-' needs a number", "'-' 只能用于数值")
            return Const(-int(c.value), c.kind, c.scale)
        if isinstance(node, ast.BinOp):
            return self.arith(node)
        if isinstance(node, ast.Name) and node.id in ("true", "false"):
            return Const(node.id == "true", Kind.BOOL)
        if isinstance(node, (ast.Name, ast.Attribute)):
            return self.ref(node)
        raise self.error(node, f"this is not a value: {ast.unparse(node)}", f"这不是一个值：{ast.unparse(node)}")

    def constant(self, node: ast.Constant, hint: ast.expr | None) -> Const:
        value = node.value
        if isinstance(value, bool):
            return Const(value, Kind.BOOL)
        if isinstance(value, str):
            if hint is not None:
                try:
                    other = self.expr(hint)
                except ConditionError:
                    other = None
                if isinstance(other, Ref):
                    return self.text_const(node, other)
            return Const(value, Kind.TEXT)
        if isinstance(value, (int, float)):
            # The literal's own text, not the float Python made of it: 0.3 stays exactly 3/10.
            source = ast.get_source_segment(self.source, node) or repr(value)
            try:
                number = Decimal(source.replace("_", ""))
            except InvalidOperation:
                raise self.error(node, f"not a number: {source}", f"不是数字：{source}") from None
            if not number.is_finite() or abs(number) > MAX_LITERAL:
                raise self.error(node, f"{source} is outside the numbers a condition may write (at most {MAX_LITERAL:,})",
                                 f"{source} 超出条件允许的数值范围（最大 {MAX_LITERAL:,}）")
            exponent = number.as_tuple().exponent
            scale = max(0, -int(exponent))  # type: ignore[arg-type]
            if scale > MAX_SCALE:
                raise self.error(node, f"{source} has more than {MAX_SCALE} decimals", f"{source} 的小数位数超过 {MAX_SCALE} 位")
            return Const(int(number.scaleb(scale)), Kind.NUMBER, scale)
        raise self.error(node, f"unsupported constant {value!r}", f"不支持的常量 {value!r}")

    def text_const(self, node: ast.expr, against: Expr) -> Const:
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            raise self.error(node, "expected a quoted code", "应为带引号的代码")
        vt = self._type_of(against) if isinstance(against, Ref) else None
        if vt is not None and vt.domain and node.value not in vt.domain:
            match = [suggest(node.value, vt.domain)] if suggest(node.value, vt.domain) else []
            raise ConditionError(
                f"'{node.value}' is not a code of {against.name if isinstance(against, Ref) else 'this field'}; "
                f"codes: {', '.join(vt.domain)}",
                f"'{node.value}' 不是该字段的代码；可用代码：{', '.join(vt.domain)}",
                line=getattr(node, "lineno", 1), suggestion=match[0] if match else None)
        return Const(node.value, Kind.TEXT)

    def arith(self, node: ast.BinOp) -> Arith:
        op = _ARITH_OPS.get(type(node.op))
        if op is None:
            hint = " (division is not exact: multiply the other side instead)" if isinstance(node.op, ast.Div) else ""
            hint_zh = "（除法不精确：请改为另一侧相乘）" if isinstance(node.op, ast.Div) else ""
            raise self.error(node, f"unsupported operator in {ast.unparse(node)}{hint}", f"不支持的运算符{hint_zh}")
        left = self.expr(node.left, hint=node.right)
        right = self.expr(node.right, hint=node.left)
        lk, rk = _kind(left), _kind(right)
        bad = ConditionError(f"cannot compute {lk.value} {op} {rk.value}: {ast.unparse(node)}",
                             f"不能计算 {lk.value} {op} {rk.value}：{ast.unparse(node)}", line=node.lineno)
        if op == "*":
            if lk is Kind.MONEY and rk is Kind.NUMBER or lk is Kind.NUMBER and rk is Kind.MONEY:
                kind = Kind.MONEY
            elif lk is Kind.NUMBER and rk is Kind.NUMBER:
                kind = Kind.NUMBER
            else:
                raise bad
            if _scale(left) + _scale(right) > MAX_SCALE:
                raise ConditionError(f"this product has more than {MAX_SCALE} decimals: {ast.unparse(node)}",
                                     f"该乘积的小数位数超过 {MAX_SCALE} 位：{ast.unparse(node)}", line=node.lineno)
            return Arith("*", left, right, kind, _scale(left) + _scale(right))
        if lk is Kind.DATE or rk is Kind.DATE:
            if op == "-" and lk is Kind.DATE and rk is Kind.DATE:
                return Arith("-", left, right, Kind.NUMBER, 0)
            if lk is Kind.DATE and rk is Kind.NUMBER and _scale(right) == 0:
                return Arith(op, left, right, Kind.DATE, 0)
            raise bad
        left, right = _money_literal(left, right)
        lk, rk = _kind(left), _kind(right)
        if lk is not rk or lk not in NUMERIC:
            raise bad
        left, right = _align(left, right)
        return Arith(op, left, right, lk, _scale(left))

    # -- names --------------------------------------------------------------------------
    def dotted(self, node: ast.expr) -> str:
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            raise self.error(node, f"expected a name, found {ast.unparse(node)}", f"应为名称：{ast.unparse(node)}")
        parts.append(node.id)
        return ".".join(reversed(parts))

    def ref(self, node: ast.expr) -> Ref:
        dotted = self.dotted(node)
        head, _, rest = dotted.partition(".")
        if head in self.scope:
            coll = self.scope[head]
            fields = self.vocab.collections[coll]
            if rest not in fields:
                raise self.unknown(node, dotted, [f"{head}.{f}" for f in fields])
            vt = fields[rest]
            return Ref(dotted, vt.kind, vt.scale, item_of=coll, field=rest)
        if head == "params":
            if rest not in self.vocab.params:
                raise self.unknown(node, dotted, [f"params.{p}" for p in self.vocab.params])
            vt = self.vocab.params[rest]
            return Ref(dotted, vt.kind, vt.scale, field=dotted)
        if dotted == "as_of":
            return Ref("as_of", Kind.DATE, 0, field="as_of")
        if dotted in self.vocab.facts:
            vt = self.vocab.facts[dotted]
            return Ref(dotted, vt.kind, vt.scale, field=dotted)
        if dotted in ("true", "false", "True", "False"):
            raise self.error(node, "true/false is a value, not a fact: compare a fact with it",
                             "true/false 是值，不是事实")
        raise self.unknown(node, dotted, self.vocab.all_names() + [f"{v}." for v in self.scope])

    def _type_of(self, ref: Ref) -> ValueType | None:
        if ref.item_of:
            return self.vocab.collections[ref.item_of].get(ref.field)
        if ref.is_param:
            return self.vocab.params.get(ref.name[len("params."):])
        return self.vocab.facts.get(ref.name)

    # -- errors -------------------------------------------------------------------------
    def error(self, node: ast.AST, en: str, zh: str) -> ConditionError:
        return ConditionError(en, zh, line=getattr(node, "lineno", 1))

    def unknown(self, node: ast.AST, name: str, candidates: list[str]) -> ConditionError:
        return ConditionError(f"unknown name '{name}'", f"未知名称 '{name}'", line=getattr(node, "lineno", 1),
                              suggestion=suggest(name, candidates))




def _depth(tree: ast.AST) -> int:
    """Depth of a syntax tree, without recursion (a deep tree must not exhaust the stack)."""
    deepest = 0
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _kind(e: Expr) -> Kind:
    return e.kind


def _scale(e: Expr) -> int:
    return e.scale


def _rescale(e: Expr, by: int) -> Expr:
    if by == 0:
        return e
    if isinstance(e, Const):
        return Const(int(e.value) * 10**by, e.kind, e.scale + by)
    return Arith("*", e, Const(10**by, Kind.NUMBER, 0), e.kind, e.scale + by)


def _money_literal(left: Expr, right: Expr) -> tuple[Expr, Expr]:
    """A bare number added to or compared with money is an amount in yuan."""
    if isinstance(left, Const) and left.kind is Kind.NUMBER and right.kind is Kind.MONEY:
        left = Const(left.value, Kind.MONEY, left.scale)
    if isinstance(right, Const) and right.kind is Kind.NUMBER and left.kind is Kind.MONEY:
        right = Const(right.value, Kind.MONEY, right.scale)
    return left, right


def _align(left: Expr, right: Expr) -> tuple[Expr, Expr]:
    """Bring two numeric sides to one scale by multiplying (never dividing): exact."""
    if left.kind not in NUMERIC or right.kind not in NUMERIC:
        return left, right
    diff = left.scale - right.scale
    if diff > 0:
        right = _rescale(right, diff)
    elif diff < 0:
        left = _rescale(left, -diff)
    return left, right

