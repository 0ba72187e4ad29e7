"""Exact real data and its rigorous evaluation with python-flint balls.

An *exact* entry is a SymPy expression built from integers, rationals, ``pi``, ``E`` and the
elementary functions (``sqrt`` and other powers, ``cos``, ``sin``, ``tan``, ``exp``, ``log``,
``atan``, ...), or a rational given as ``int``, :class:`fractions.Fraction`, ``gmpy2.mpq`` or a
``"p/q"`` string.  Floats are refused: ``0.1`` is not one tenth, and a testbed about certified
digits must not pretend it is.

Evaluation is rigorous.  Expressions are compiled once into a :class:`Program`, a DAG of
closures over python-flint ``arb`` operations in which every distinct subexpression is one
node (:func:`compile_expr` compiles a single expression the same way); evaluating it at
working precision ``p`` yields balls that provably contain the exact values (``arb``
propagates rounding errors in its radius).  :func:`enclose` raises ``p`` until the radius is
at most ``2^-bits``.  Neither ``mpmath.iv`` nor ``sympy.evalf`` is used for guarantees.

Limits: callers' ``bits`` and levels are capped at :data:`MAX_BITS`, the working precision at
:data:`MAX_WORKING_PRECISION`.

python-flint keeps its working precision in the process-global ``flint.ctx.prec``; every
function here scopes changes with :func:`flint_precision` and restores the old value.
"""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Callable, Sequence

import gmpy2
import sympy
from flint import arb, fmpq, fmpz

from oracle.entries import (
    MAX_BITS,
    MAX_WORKING_PRECISION,
    as_exact,
    check_bits,
    check_sympy,
    flint_precision,
    gc_paused,
    integer_or_none,
    refuse_float,
)
from oracle.errors import (
    InvalidArgument,
    InvalidType,
    LimitExceeded,
    PrecisionError,
    short,
)

__all__ = [
    "Program",
    "MAX_BITS",
    "MAX_WORKING_PRECISION",
    "as_exact",
    "check_bits",
    "check_sympy",
    "is_sympy_expr",
    "compile_expr",
    "enclose",
    "enclose_many",
    "enclose_nodes",
    "flint_precision",
    "gc_paused",
    "arb_mid_mpq",
    "arb_rad_mpq",
    "mpq_to_arb",
    "dyadic_at_most",
]

# --------------------------------------------------------------------------- compilation

ArbThunk = Callable[[], arb]

_UNARY: dict[type, Callable[[arb], arb]] = {
    sympy.cos: lambda x: x.cos(),
    sympy.sin: lambda x: x.sin(),
    sympy.tan: lambda x: x.tan(),
    sympy.exp: lambda x: x.exp(),
    sympy.log: lambda x: x.log(),
    sympy.atan: lambda x: x.atan(),
    sympy.asin: lambda x: x.asin(),
    sympy.acos: lambda x: x.acos(),
    sympy.sinh: lambda x: x.sinh(),
    sympy.cosh: lambda x: x.cosh(),
    sympy.tanh: lambda x: x.tanh(),
    sympy.Abs: lambda x: abs(x),
}


def ipow(x: arb, e: int) -> arb:
    """``x ** e`` for an integer ``e >= 0``, also when ``x`` is centred exactly on 0.

    python-flint returns nan for a power of a ball whose midpoint is exactly 0 (e.g. the
    enclosure of ``4*atan(1) - pi``); such balls are powered by repeated multiplication, which
    is rigorous (if a little wider).  Every other ball goes through ``**`` unchanged.
    """
    result = x**e
    if result.is_finite() or not x.is_finite():
        return result
    power, base = arb(1), x
    while e:
        if e & 1:
            power = power * base
        e >>= 1
        if e:
            base = base * base
    return power


def _fmpq(r: sympy.Rational) -> fmpq:
    return fmpq(int(r.p), int(r.q))


_CONSTANTS: dict[object, Callable[[], arb]] = {
    sympy.pi: arb.pi,
    sympy.E: arb.const_e,
    sympy.EulerGamma: arb.const_euler,
    sympy.Catalan: arb.const_catalan,
}

_KINDS: dict[type, str] = {}


def _kind(cls: type) -> str:
    """The node kind of a SymPy class, by exact type (``isinstance`` on SymPy classes costs
    about a microsecond, so each class is classified once)."""
    kind = _KINDS.get(cls)
    if kind is None:
        kind = "other"
        for base, name in ((sympy.Integer, "int"), (sympy.Rational, "rat"),
                           (sympy.Float, "float"), (sympy.NumberSymbol, "const"),
                           (sympy.Add, "add"), (sympy.Mul, "mul"), (sympy.Pow, "pow")):
            if issubclass(cls, base):
                kind = name
                break
        else:
            if cls in _UNARY:
                kind = "unary"
        _KINDS[cls] = kind
    return kind


Values = list  # node values of a Program at one precision (``None`` = not computed yet)
Op = Callable[[Values], arb]


class Unsupported(InvalidArgument):
    """An expression node the rigorous evaluator does not support (or a symbol)."""

    def __init__(self, where: str, expr: object, node: object):
        super().__init__(
            f"{where}={short(expr)} uses {type(node).__name__}, which the rigorous evaluator "
            f"does not support; build data from +, *, powers, pi, E, sqrt, cos, sin, tan, exp, "
            f"log, atan"
        )
        #: the unsupported SymPy node
        self.node = node


_EXPR_TYPES: dict[type, bool] = {}


def is_sympy_expr(value: object) -> bool:
    """``isinstance(value, sympy.Expr)``, decided once per type (SymPy's ``isinstance`` costs
    about a microsecond)."""
    cls = type(value)
    known = _EXPR_TYPES.get(cls)
    if known is None:
        known = _EXPR_TYPES[cls] = issubclass(cls, sympy.Expr)
    return known


_NAN = arb("nan")


def _run(op: Op, values: Values) -> arb:
    """``op(values)``; a python-flint exception (an exponent too large for a machine word, a
    division by an exact zero...) gives a nan ball, which no enclosure accepts."""
    try:
        return op(values)
    except (ArithmeticError, ValueError, TypeError):
        return _NAN


def _fold(op: Callable[[arb, arb], arb], args: tuple[int, ...]) -> Op:
    """``((v[a0] op v[a1]) op v[a2]) ...`` in the order of ``args`` (as SymPy stores them)."""
    if len(args) == 1:
        (a,) = args
        return lambda v: v[a]
    if len(args) == 2:
        a, b = args
        return lambda v: op(v[a], v[b])
    if len(args) == 3:
        a, b, c = args
        return lambda v: op(op(v[a], v[b]), v[c])
    first, rest = args[0], args[1:]

    def fold(v: Values) -> arb:
        total = v[first]
        for i in rest:
            total = op(total, v[i])
        return total

    return fold


class Program:
    """Exact SymPy expressions compiled into one shared DAG of python-flint ``arb`` operations.

    Every distinct subexpression (equal SymPy trees) becomes one node,
    compiled once and evaluated once per working precision, however many entries and samples
    contain it: the 16,384 entries of a 128 x 128 DCT-II have about 9,600 distinct nodes and
    2,500 distinct values.  Node values are cached for the last :attr:`CACHE_PRECISIONS`
    working precisions; a node's value at precision ``p`` is a function of the node and ``p``
    alone, so the cache changes no result, only the time.

    Compilation is also validation: only integers, rationals, ``pi``, ``E``, ``EulerGamma``,
    ``Catalan``, ``+``, ``*``, powers and the functions of ``_UNARY`` are accepted; anything
    else (floats, symbols, ``I``, ``zoo``, ``gamma``...) raises :class:`Unsupported`.
    """

    CACHE_PRECISIONS = 3

    __slots__ = ("_ops", "_deps", "_memo", "_cache")

    def __init__(self) -> None:
        self._ops: list[Op] = []
        self._deps: list[tuple[int, ...]] = []
        self._memo: dict[object, int] = {}
        self._cache: OrderedDict[int, Values] = OrderedDict()

    def __len__(self) -> int:
        return len(self._ops)

    def add(self, expr: sympy.Expr, where: str = "expression") -> int:
        """The node computing ``expr`` (compiled now if new); ``where`` names it in errors.

        Nodes are keyed by ``(type, args)`` (atoms by themselves): equal SymPy trees get one
        node, and the lookup compares children by identity first instead of going through
        SymPy's slower ``Expr.__eq__``.
        """
        args = expr.args
        key = (type(expr), args) if args else expr
        node = self._memo.get(key)
        if node is None:
            op, deps = self._compile(expr, where)
            node = len(self._ops)
            self._ops.append(op)
            self._deps.append(deps)
            self._memo[key] = node
        return node

    def _compile(self, expr: object, where: str) -> tuple[Op, tuple[int, ...]]:
        kind = _kind(type(expr))
        if kind == "int":
            z = fmpz(int(expr))  # type: ignore[call-overload]
            return (lambda v: arb(z)), ()
        if kind == "rat":
            q = _fmpq(expr)  # type: ignore[arg-type]
            return (lambda v: arb(q)), ()
        if kind == "add" or kind == "mul":
            add = self.add
            args = tuple([add(a, where) for a in expr.args])  # type: ignore[attr-defined]
            return _fold(operator.add if kind == "add" else operator.mul, args), args
        if kind == "unary" and len(expr.args) == 1:  # type: ignore[attr-defined]
            func = _UNARY[type(expr)]
            a = self.add(expr.args[0], where)  # type: ignore[attr-defined]
            return (lambda v: func(v[a])), (a,)
        if kind == "pow":
            base, exponent = expr.args  # type: ignore[attr-defined]
            b = self.add(base, where)
            exponent_kind = _kind(type(exponent))
            if exponent_kind == "int":
                e = int(exponent)
                if e >= 0:
                    return (lambda v: ipow(v[b], e)), (b,)
                return (lambda v: 1 / ipow(v[b], -e)), (b,)
            if exponent_kind == "rat" and int(exponent.q) < 1 << 62:  # root(q) needs a word
                p, q = int(exponent.p), int(exponent.q)
                if (p, q) == (1, 2):
                    return (lambda v: v[b].sqrt()), (b,)
                if (p, q) == (-1, 2):
                    return (lambda v: v[b].rsqrt()), (b,)
                if p >= 0:
                    return (lambda v: ipow(v[b].root(q), p)), (b,)
                return (lambda v: 1 / ipow(v[b].root(q), -p)), (b,)
            x = self.add(exponent, where)
            return (lambda v: (v[x] * v[b].log()).exp()), (x, b)
        if kind == "const":
            const = _CONSTANTS.get(expr)
            if const is not None:
                return (lambda v: const()), ()
        if kind == "float":
            raise refuse_float(expr, where)
        raise Unsupported(where, expr, expr)

    def closure(self, nodes: Sequence[int]) -> list[int]:
        """Every node that ``nodes`` depend on, themselves included, in evaluation order."""
        seen = set(nodes)
        stack = list(seen)
        deps = self._deps
        while stack:
            for d in deps[stack.pop()]:
                if d not in seen:
                    seen.add(d)
                    stack.append(d)
        return sorted(seen)  # children are always added before their parents

    def evaluate(self, nodes: Sequence[int], prec: int, order: Sequence[int] | None = None
                 ) -> list[arb]:
        """The values of ``nodes`` at working precision ``prec`` (``order``: their
        :meth:`closure`, if already known)."""
        values = self._cache.get(prec)
        if values is None:
            values = self._cache[prec] = []
            while len(self._cache) > self.CACHE_PRECISIONS:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(prec)
        if len(values) < len(self._ops):
            values.extend([None] * (len(self._ops) - len(values)))
        ops = self._ops
        with flint_precision(prec):
            for i in self.closure(nodes) if order is None else order:
                if values[i] is None:
                    values[i] = _run(ops[i], values)
        return [values[i] for i in nodes]

    def thunk(self, node: int) -> ArbThunk:
        """A function evaluating ``node`` at python-flint's current precision (uncached)."""
        order = self.closure([node])
        ops = self._ops

        def run() -> arb:
            values: Values = [None] * len(ops)
            for i in order:
                values[i] = _run(ops[i], values)
            return values[node]

        return run


def compile_expr(expr: sympy.Expr) -> ArbThunk:
    """Compile an exact SymPy expression into a function returning an enclosing ``arb`` ball.

    The returned thunk evaluates at python-flint's *current* working precision; use
    :func:`enclose` (which scopes the precision) rather than calling it directly.  Raises
    :class:`InvalidArgument` (or :class:`InexactInput` for floats) for unsupported nodes.
    """
    program = Program()
    return program.thunk(program.add(expr))


# --------------------------------------------------------------------------- helpers on balls


def dyadic_at_most(mantissa: int, exponent: int, k: int) -> bool:
    """Decide exactly whether ``|mantissa| * 2^exponent <= 2^k``."""
    m = abs(int(mantissa))
    if m == 0:
        return True
    shift = k - exponent
    if shift >= 0:
        return m <= (1 << shift)
    return False


def arb_mid_mpq(x: arb) -> gmpy2.mpq:
    """The midpoint of ``x`` as an exact rational."""
    m, e = x.mid().man_exp()
    m, e = int(m), int(e)
    return gmpy2.mpq(m << e) if e >= 0 else gmpy2.mpq(m, 1 << -e)


def arb_rad_mpq(x: arb) -> gmpy2.mpq:
    """The radius of ``x`` as an exact rational (an upper bound on ``|x_exact - mid|``)."""
    m, e = x.rad().man_exp()
    m, e = int(m), int(e)
    return gmpy2.mpq(m << e) if e >= 0 else gmpy2.mpq(m, 1 << -e)


def mpq_to_arb(q: object) -> arb:
    """An ``arb`` ball containing the rational ``q`` (exact when ``q`` is dyadic and fits)."""
    q = gmpy2.mpq(q)
    return arb(fmpq(int(q.numerator), int(q.denominator)))


def _radius_ok(x: arb, bits: int) -> bool:
    if not x.is_finite():
        return False
    m, e = x.rad().man_exp()
    return dyadic_at_most(int(m), int(e), -bits)


def _magnitude_bits(x: arb) -> int:
    m, e = x.mid().man_exp()
    m = int(m)
    return 0 if m == 0 else max(0, abs(m).bit_length() + int(e))


def _check_working_bits(bits: object) -> int:
    value = integer_or_none(bits)
    if value is None:
        raise InvalidType(f"bits={short(bits, use_repr=True)} must be an integer")
    bits = value
    if bits < -MAX_WORKING_PRECISION:
        raise InvalidArgument(f"bits={short(bits)} is too small")
    if bits > MAX_WORKING_PRECISION - 32:
        raise LimitExceeded(
            f"bits={bits} exceeds the working-precision cap MAX_WORKING_PRECISION="
            f"{MAX_WORKING_PRECISION}"
        )
    return bits


def _enclose(evaluate: Callable[[int, list[int]], list[arb]], count: int, bits: int,
             start: int | None) -> list[arb]:
    """The precision schedule shared by :func:`enclose_many` and :func:`enclose_nodes`:
    ``evaluate(prec, indices)`` gives the balls of ``indices`` at working precision ``prec``."""
    bits = _check_working_bits(bits)
    prec = max(start or 0, bits + 32, 64)
    results: list[arb | None] = [None] * count
    todo = list(range(count))
    while todo:
        if prec > MAX_WORKING_PRECISION:
            raise PrecisionError(
                f"bits={bits}: could not enclose {len(todo)} entries within 2^-{bits} at "
                f"working precision up to {MAX_WORKING_PRECISION} bits (is an entry undefined, "
                f"e.g. log(0) or sqrt of a negative number, or astronomically large?)"
            )
        left = []
        extra = 0
        for i, x in zip(todo, evaluate(prec, todo), strict=True):
            if _radius_ok(x, bits):
                results[i] = x
            else:
                left.append(i)
                if x.is_finite():
                    extra = max(extra, _magnitude_bits(x))
        todo = left
        prec = 2 * prec + extra
    return results  # type: ignore[return-value]


def enclose_many(thunks: Sequence[ArbThunk], bits: int, *, start: int | None = None) -> list[arb]:
    """Evaluate compiled expressions to balls of radius ``<= 2^-bits`` each.

    The working precision starts at ``bits + 32`` (or ``start``) and doubles until every ball is
    narrow enough; :class:`PrecisionError` is raised past :data:`MAX_WORKING_PRECISION`.
    """

    def evaluate(prec: int, todo: list[int]) -> list[arb]:
        with flint_precision(prec):
            return [thunks[i]() for i in todo]

    return _enclose(evaluate, len(thunks), bits, start)


def enclose_nodes(program: Program, nodes: Sequence[int], bits: int, *,
                  order: Sequence[int] | None = None) -> list[arb]:
    """:func:`enclose_many` for nodes of a :class:`Program`: the same precision schedule (so
    the same balls), each distinct node evaluated once per precision.  ``order`` is the
    :meth:`Program.closure` of ``nodes`` if the caller keeps it."""
    nodes = list(nodes)

    def evaluate(prec: int, todo: list[int]) -> list[arb]:
        if len(todo) == len(nodes):
            return program.evaluate(nodes, prec, order)
        return program.evaluate([nodes[i] for i in todo], prec)

    return _enclose(evaluate, len(nodes), bits, None)


def enclose(expr: object, bits: int) -> arb:
    """A rigorous ``arb`` ball containing the exact value of ``expr``, with radius ``<= 2^-bits``.

    ``expr`` is anything :func:`as_exact` accepts (SymPy expression or rational).

    >>> import sympy
    >>> enclose(sympy.sqrt(2), 100).rad() <= 2.0**-100
    True
    """
    bits = check_bits(bits)
    return enclose_many([compile_expr(as_exact(expr, "expr"))], bits)[0]
