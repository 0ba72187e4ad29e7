"""Iterative solvers that read a problem through an oracle and can be unrolled into networks:
FIRENET (``firenet``), ISTA/FISTA (``ista``) and the primal-dual P1 solver (``pdhg``)."""
