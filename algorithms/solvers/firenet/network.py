"""FIRENET as an explicit :class:`~algorithms.networks.NeuralNetwork`: the layers of one
primal-dual step, the network class and its constructor.
"""

from __future__ import annotations

from algorithms.arithmetic.base import Context, Vec
from algorithms.errors import InvalidArgument
from algorithms.networks import (
    Activation,
    Block,
    Coefficient,
    Dense,
    Identity,
    Layer,
    NeuralNetwork,
)
from algorithms.solvers.firenet.parameters import (
    Callback,
    FirenetParameters,
    FirenetWeights,
    firenet_parameters,
)
from algorithms.solvers.firenet.solve import run_firenet


def _layers(W: FirenetWeights) -> list[Layer]:
    P = W.P
    m, N = P.shape
    one = Coefficient(1, "1")
    soft = Activation.soft_threshold(W.th)
    state = (N, N, m, 1)           # [x, s, v, t] after every third layer
    after1 = (N, N, m)             # [x+, s, q]
    after2 = (N, N, m, m)          # [x+, s+, u, u^2]
    X, S, V = 0, 1, 2
    layers: list[Layer] = []
    for k in range(1, P.n_outer + 1):
        g = Identity(0, W.g[k - 1])
        for j in range(1, P.p_inner + 1):
            if k == 1 and j == 1:            # x = 0, v = 0, s = 0; the input is y alone
                in_sizes: tuple[int, ...] = (m,)
                b_x = Block(N, activation=soft)
                b_s = Block(N)
                b_q = Block(m, input_terms=(g,))
            elif j == 1:                     # x = c_k s_prev, v = 0, s = 0
                in_sizes = state
                b_x = Block(N, terms=(Identity(S, W.c[k - 1]),), activation=soft)
                b_s = Block(N)
                b_q = Block(m, terms=(Dense(S, W.C, W.c[k - 1]),), input_terms=(g,))
            else:
                in_sizes = state
                b_x = Block(N, terms=(Identity(X, one), Dense(V, W.Bt, one)), activation=soft)
                b_s = Block(N, terms=(Identity(S, one),))
                b_q = Block(m, terms=(Identity(V, one), Dense(X, W.C, one)), input_terms=(g,))
            layers.append(Layer(in_sizes, [b_x, b_s, b_q], m))
            u_terms = (Identity(2, one), Dense(0, W.C2, one))
            layers.append(Layer(after1, [
                Block(N, terms=(Identity(0, one),)),
                Block(N, terms=(Identity(1, one), Identity(0, one))),
                Block(m, terms=u_terms),
                Block(m, terms=u_terms, activation=Activation("square")),
            ], m))
            layers.append(Layer(after2, [
                Block(N, terms=(Identity(0, one),)),
                Block(N, terms=(Identity(1, one),)),
                Block(m, terms=(Identity(2, one),), activation=Activation.gate(3)),
                Block(1, terms=(Dense(3, W.ones, one),)),
            ], m))
    layers.append(Layer(state, [Block(N, terms=(Identity(S, W.r[-1]),))], m))
    return layers


class FirenetNetwork(NeuralNetwork):
    """The FIRENET network: an ordinary :class:`NeuralNetwork` that also knows its parameters.

    :meth:`forward` evaluates layer by layer (in ``Ball`` that is naive ball propagation, which
    is rigorous but suffers the wrapping effect).  ``net(y, ctx)`` computes the same function
    with the fast solver: bit-identical to ``forward`` in ``Float64``/``MP``/``Exact``, and in
    ``Ball`` the certified midpoint iteration, whose balls contain the exact network output.

    The layers are built lazily: ``layers`` (and everything that reads them: :meth:`forward`,
    :meth:`num_parameters`, :meth:`summary`) builds and checks them on first access; ``depth``,
    ``widths`` and ``output_size`` come from the closed forms of SPEC section 7 (equal to what
    the layers say), and ``net(y, ctx)`` never needs them.
    """

    def __init__(self, P: FirenetParameters, *, name: str = "FIRENET",
                 default_ctx: Context | None = None, info: dict | None = None):
        # NeuralNetwork.__init__ would build and validate the layers now; set its attributes
        # here instead and build the layers on first access (the ``layers`` property).
        self.parameters = P
        self._weights = FirenetWeights(P)
        self._layers: tuple[Layer, ...] | None = None
        m, _ = P.shape
        self.input_size = m
        self.name = name
        self.default_ctx = default_ctx
        self.info = dict(info if info is not None else P.describe())

    @property
    def layers(self) -> tuple[Layer, ...]:  # type: ignore[override]
        """The ``3 n_outer p_inner + 1`` layers, built and validated on first access."""
        if self._layers is None:
            checked = NeuralNetwork(_layers(self._weights), input_size=self.input_size)
            self._layers = checked.layers
        return self._layers

    @property
    def depth(self) -> int:
        """``3 n_outer p_inner + 1`` (without building the layers)."""
        return 3 * self.parameters.n_outer * self.parameters.p_inner + 1

    @property
    def widths(self) -> tuple[int, ...]:
        """``(m, [2N+m, 2N+2m, 2N+m+1] * (n_outer p_inner), N)`` (without building the layers)."""
        m, N = self.parameters.shape
        steps = self.parameters.n_outer * self.parameters.p_inner
        return (m,) + (2 * N + m, 2 * N + 2 * m, 2 * N + m + 1) * steps + (N,)

    @property
    def output_size(self) -> int:
        return self.parameters.shape[1]

    def __call__(self, y: object, ctx: Context | None = None, *, callback: Callback | None = None,
                 guard_bits: int | None = None) -> Vec:
        ctx = self._ctx(ctx)
        return run_firenet(self.parameters, self._weights, y, ctx, callback, True, guard_bits)


def firenet_network(
    A: object,
    *,
    lam: object,
    n_outer: int,
    p_inner: int,
    delta: object,
    eps0: object,
    weights: object | None = None,
    L: object | None = None,
    tau: object | None = None,
    sigma: object | None = None,
    default_ctx: Context | None = None,
    name: str = "FIRENET",
) -> FirenetNetwork:
    """FIRENET as a :class:`FirenetNetwork` for the matrix ``A`` (input ``y``, output ``psi``).

    ``eps0`` is required: the network is built before ``y`` is known, so the initial error bound
    (``||y||_2`` in :func:`firenet_solve`) must be supplied.  Depth ``3 n_outer p_inner + 1``;
    widths ``(m, [2N+m, 2N+2m, 2N+m+1] * (n_outer p_inner), N)``.
    """
    from algorithms.operators import LinearOperator

    if isinstance(A, LinearOperator):
        raise InvalidArgument(
            f"A is the matrix-free operator {A!r}: the network form needs the matrix as layer "
            f"weights.  Evaluate FIRENET with firenet_solve(A, y, ...) (the same function, "
            f"matrix-free; certified in Ball), or pass to_dense(A, Exact()) for small sizes")
    if eps0 is None:
        raise InvalidArgument(
            "eps0=None: the network is built before y is known; pass an upper bound on the "
            "initial error, e.g. an upper bound of ||y||_2 over the inputs you will use")
    P = firenet_parameters(A, lam=lam, n_outer=n_outer, p_inner=p_inner, delta=delta, eps0=eps0,
                           weights=weights, L=L, tau=tau, sigma=sigma)
    return FirenetNetwork(P, name=name, default_ctx=default_ctx)


